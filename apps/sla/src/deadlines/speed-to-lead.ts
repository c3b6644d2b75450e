import { businessTimeBetween, type SlaMet } from '@baton/domain';
import type { BusinessCalendarSnapshot } from './timer-plan.js';

export interface SpeedInputs {
  assignedAt: Date;
  touchedAt: Date;
  /** When Baton received the qualifying signal, if the lead carried it. */
  signalReceivedAt?: Date | null;
  /** The first delivered assignment alert (notification.sent.v1), if a receipt came. */
  alertDeliveredAt?: Date | null;
  clock: 'wall' | 'business';
  calendar?: BusinessCalendarSnapshot | null;
}

/**
 * Speed-to-lead, system time apart from human time: signal → alert is what Baton takes (ending
 * at the alert's delivery receipt, or at the assignment when no receipt came — `systemEnd` says
 * which); assignment → first touch is what the rep takes, on the wall clock and on the policy's.
 */
export function speedToLead(s: SpeedInputs): NonNullable<SlaMet['speedToLead']> {
  const humanMs = Math.max(0, s.touchedAt.getTime() - s.assignedAt.getTime());
  const humanPolicyClockMs =
    s.clock === 'business' && s.calendar
      ? businessTimeBetween(s.assignedAt, s.touchedAt, s.calendar)
      : humanMs;
  const out: NonNullable<SlaMet['speedToLead']> = { humanMs, humanPolicyClockMs };
  if (s.signalReceivedAt) {
    const end = s.alertDeliveredAt ?? s.assignedAt;
    out.systemMs = Math.max(0, end.getTime() - s.signalReceivedAt.getTime());
    out.systemEnd = s.alertDeliveredAt ? 'alert_delivered' : 'assigned';
  }
  return out;
}
