import type { SlaPolicy } from '../policy/policy.js';

export interface Arrival {
  /** How long after it happened the event was handled (0 for an event stamped ahead of the clock). */
  ageMs: number;
  late: boolean;
}

/** Whether an event was handled in time, by the policy's bound. */
export function arrivalOf(
  occurredAt: Date,
  handledAt: Date,
  policy: Pick<SlaPolicy, 'lateAfterMinutes'>,
): Arrival {
  const ageMs = Math.max(0, handledAt.getTime() - occurredAt.getTime());
  return { ageMs, late: ageMs > policy.lateAfterMinutes * 60_000 };
}
