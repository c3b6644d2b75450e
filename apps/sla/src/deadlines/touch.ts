import { Topics, isTouch, type Actor, type RepAction, type RepRef } from '@baton/domain';
import type { TouchSource } from '../database/sla.entities.js';
import type { SlaPolicy, TimerPolicy } from '../policy/policy.js';

/** Rep work or an alert action as the SLA service keeps it (lead_activity), whichever topic it came from. */
export interface SeenActivity {
  eventId: string;
  leadId: string;
  source: TouchSource;
  kind: string;
  occurredAt: Date;
  receivedAt: Date;
  actor?: Actor | null;
  ownerId?: string | null;
  statusTo?: string | null;
  /** rep.action.v1 */
  assignmentId?: string | null;
  repId?: string | null;
}

export type Verdict = { counts: true } | { counts: false; why: string };

const NOT_A_PERSON: Record<Exclude<Actor['kind'], 'person'>, string> = {
  integration: 'an integration or automation made it, not a rep',
  baton: "Baton's own write",
  first_sight: 'first sight of the record says what it holds, not that anyone acted',
};

/**
 * Whether a lead.activity.v1 event is the assigned rep's own work: a person acted (not an
 * integration, Baton's echo or first sight), and — unless sales ops say any person's work counts,
 * or Baton does not know the rep's CRM owner id — that person is the assigned rep. An event
 * without `actor` (older connectors) counts by `actorOwnerId`, which they set for a person's work only.
 */
export function byTheRep(
  a: SeenActivity,
  rep: Pick<RepRef, 'crmOwnerId'>,
  by: SlaPolicy['touch']['by'],
): Verdict {
  if (a.actor && a.actor.kind !== 'person') return { counts: false, why: NOT_A_PERSON[a.actor.kind] };
  if (!a.actor && !a.ownerId) return { counts: false, why: 'nobody known acted' };
  if (by === 'any_person' || !rep.crmOwnerId) return { counts: true };
  if (!a.ownerId) return { counts: false, why: 'the acting person is not known to be the assigned rep' };
  if (a.ownerId !== rep.crmOwnerId)
    return { counts: false, why: `owner ${a.ownerId} acted, not the assigned rep (${rep.crmOwnerId})` };
  return { counts: true };
}

/** Whether the activity satisfies the policy for this assignment (timing is judged apart, by occurredAt). */
export function satisfies(
  policy: Pick<TimerPolicy, 'stoppedBy'>,
  a: SeenActivity,
  assignment: { assignmentId: string; repId: string; rep: Pick<RepRef, 'crmOwnerId'> },
  by: SlaPolicy['touch']['by'],
): Verdict {
  const rules = policy.stoppedBy;
  if (a.source === Topics.RepAction) {
    if (a.assignmentId !== assignment.assignmentId)
      return { counts: false, why: 'an action on the alert of another assignment' };
    if (!rules.repActions.includes(a.kind as RepAction['action']))
      return { counts: false, why: `${a.kind} from the alert does not count for this policy` };
    return { counts: true };
  }
  if (rules.activities.includes(a.kind as never)) return byTheRep(a, assignment.rep, by);
  if (rules.statusLeavesNew && a.kind === 'status_changed') {
    if (!a.statusTo || a.statusTo === 'new') return { counts: false, why: 'status is still New' };
    // The status is the lead's, whoever moved it: any person counts (never Baton, an
    // integration or first sight).
    return byTheRep(a, assignment.rep, 'any_person');
  }
  return { counts: false, why: `${a.kind} does not stop this policy` };
}

/**
 * The assigned rep reached out (a call, e-mail or meeting of theirs, or an alert action a policy
 * counts): what "touched at all" and the time to first touch are measured by.
 */
export function isFirstTouchCandidate(
  a: SeenActivity,
  assignment: { assignmentId: string; rep: Pick<RepRef, 'crmOwnerId'> },
  policy: SlaPolicy,
): boolean {
  if (a.source === Topics.RepAction)
    return (
      a.assignmentId === assignment.assignmentId &&
      policy.policies.some((p) => p.stoppedBy.repActions.includes(a.kind as RepAction['action']))
    );
  return isTouch(a.kind as never) && byTheRep(a, assignment.rep, policy.touch.by).counts;
}

export type Judgement =
  /** Occurred in time: the timer is met (also when it arrived after the breach fired). */
  | { outcome: 'met'; arrivedAfterBreach: boolean }
  /** Occurred after the deadline: the breach stands, the rest of the ladder is called off. */
  | { outcome: 'late_touch' }
  /** Occurred before this assignment began: not for this timer. */
  | { outcome: 'before_start' };

/** A touch is judged by when it occurred, not when it arrived. */
export function judge(
  timer: { startsAt: Date; deadline: Date; state: 'open' | 'breached' },
  occurredAt: Date,
): Judgement {
  if (occurredAt.getTime() < timer.startsAt.getTime()) return { outcome: 'before_start' };
  if (occurredAt.getTime() <= timer.deadline.getTime())
    return { outcome: 'met', arrivedAfterBreach: timer.state === 'breached' };
  return { outcome: 'late_touch' };
}
