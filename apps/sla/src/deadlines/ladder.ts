import type { RungOutcome } from '../database/sla.entities.js';
import type { RungAction } from '../policy/policy.js';

/** A due rung as the firing round claimed it, with what the decision needs to know. */
export interface DueRung {
  timerId: string;
  rung: number;
  action: RungAction;
  managerTask: boolean;
  /** The highest rung of the same timer that is due now (catch-up after downtime: only it fires). */
  topDueRung: number;
  assignment: {
    superseded: boolean;
    reassignRequested: boolean;
  };
  qualification: {
    /** Every rep who had this qualification, the current one included. */
    repIds: string[];
    reassignments: number;
  };
}

export type RungDecision =
  | { fire: false; skipped: NonNullable<RungOutcome['skipped']> }
  | {
      fire: true;
      action: RungAction;
      /** reassign: ask routing for another rep, none of these. */
      reassign?: { excludeRepIds: string[] };
      /** reassign: the qualification has had its share of reassignments; the manager decides. */
      capped?: boolean;
      managerTask: boolean;
    };

/**
 * What one due rung of the ladder does. Catching up after downtime, only the highest due rung of
 * a timer fires (a reminder and an escalation at once would be noise); a reassignment goes to
 * routing at most once per assignment (two policies may both ask), at most `maxReassignments`
 * times per qualification, and never back to a rep who already had the lead (no ping-pong).
 */
export function decideRung(due: DueRung, maxReassignments: number): RungDecision {
  if (due.assignment.superseded) return { fire: false, skipped: 'superseded' };
  if (due.rung < due.topDueRung) return { fire: false, skipped: 'overtaken' };
  if (due.action !== 'reassign') return { fire: true, action: due.action, managerTask: due.managerTask };
  if (due.assignment.reassignRequested) return { fire: false, skipped: 'already_reassigned' };
  if (due.qualification.reassignments >= maxReassignments)
    return { fire: true, action: 'reassign', capped: true, managerTask: due.managerTask };
  return {
    fire: true,
    action: 'reassign',
    reassign: { excludeRepIds: [...new Set(due.qualification.repIds)] },
    managerTask: due.managerTask,
  };
}
