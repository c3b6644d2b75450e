import type { EntityManager } from 'typeorm';
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

interface Row {
  id: string;
  qualification_id: string;
  generation: number;
  current: boolean;
  rep_id: string;
  rep_name: string | null;
  assignee_kind: 'rep' | 'manager';
  rule_id: string;
  pool_id: string;
  strategy: string;
  reason: string;
  cause: string | null;
  replaces_assignment_id: string | null;
  policy_version: string;
  assigned_at: Date;
  released_at: Date | null;
  audit: DecisionAudit;
}

/** "Why did I get this lead?": the current assignment and every earlier one, newest first, each with its audit. */
export async function assignmentHistory(
  em: EntityManager,
  leadId: string,
): Promise<AssignmentAnswer | undefined> {
  const rows: Row[] = await em.query(
    `SELECT a.*, r.profile->>'name' AS rep_name FROM assignment a LEFT JOIN rep r ON r.id = a.rep_id
     WHERE a.lead_id = $1 ORDER BY a.assigned_at DESC, a.generation DESC`,
    [leadId],
  );
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
