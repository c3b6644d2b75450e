import type { AssignmentHistoryRow } from '../database/assignment.store.js';
import type { DecisionAudit } from './router.js';

export interface AssignmentRecord {
  assignmentId: string;
  qualificationId: string;
  generation: number;
  current: boolean;
  repId: string;
  repName?: string;
  assigneeKind: 'rep' | 'manager';
  ruleId: string;
  pool: string;
  strategy: string;
  reason: string;
  cause?: string;
  replacesAssignmentId?: string;
  policyVersion: string;
  assignedAt: string;
  releasedAt?: string;
  audit: DecisionAudit;
}

export interface AssignmentAnswer {
  leadId: string;
  current: AssignmentRecord | null;
  history: AssignmentRecord[];
}

/** "Why did I get this lead?": the current assignment and every earlier one, newest first, each with its audit. */
export function assignmentAnswer(leadId: string, rows: AssignmentHistoryRow[]): AssignmentAnswer | undefined {
  if (rows.length === 0) return undefined;
  const history = rows.map((r): AssignmentRecord => ({
    assignmentId: r.id,
    qualificationId: r.qualification_id,
    generation: r.generation,
    current: r.current,
    repId: r.rep_id,
    repName: r.rep_name ?? undefined,
    assigneeKind: r.assignee_kind,
    ruleId: r.rule_id,
    pool: r.pool_id,
    strategy: r.strategy,
    reason: r.reason,
    cause: r.cause ?? undefined,
    replacesAssignmentId: r.replaces_assignment_id ?? undefined,
    policyVersion: r.policy_version,
    assignedAt: r.assigned_at.toISOString(),
    releasedAt: r.released_at?.toISOString(),
    audit: r.audit,
  }));
  return { leadId, current: history.find((h) => h.current) ?? null, history };
}
