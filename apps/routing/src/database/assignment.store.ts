import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DecisionAudit } from '../assignment/router.js';
import { AssignmentRow } from './assignment.entity.js';

/** The assignment a new one replaces: enough to release it. */
export interface CurrentAssignment {
  id: string;
  repId: string;
  kind: string;
}

/** An assignment with the name of its rep (absent for a manager who is not a rep). */
export interface AssignmentHistoryRow {
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

/** Assignments with their audit (assignment) and the companies' owners (company_owner). */
@Injectable()
export class AssignmentStore {
  constructor(private readonly db: DataSource) {}

  /** The current assignment of each of these leads, locked (in id order). */
  async lockCurrent(em: EntityManager, leadIds: string[]): Promise<Map<string, CurrentAssignment>> {
    const rows: { id: string; lead_id: string; rep_id: string; assignee_kind: string }[] = await em.query(
      `SELECT id, lead_id, rep_id, assignee_kind FROM assignment WHERE lead_id = ANY($1::text[]) AND current ORDER BY id FOR UPDATE`,
      [leadIds],
    );
    return new Map(rows.map((r) => [r.lead_id, { id: r.id, repId: r.rep_id, kind: r.assignee_kind }]));
  }

  /** One assignment, locked (a reassignment replaces it). */
  lock(em: EntityManager, id: string): Promise<AssignmentRow | null> {
    return em.getRepository(AssignmentRow).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Which of these qualifications already have their first assignment. */
  async firstAssigned(em: EntityManager, qualificationIds: string[]): Promise<Set<string>> {
    if (qualificationIds.length === 0) return new Set();
    const rows: { qualification_id: string }[] = await em.query(
      `SELECT qualification_id FROM assignment WHERE qualification_id = ANY($1::text[]) AND generation = 0`,
      [qualificationIds],
    );
    return new Set(rows.map((r) => r.qualification_id));
  }

  /** The assignments are no longer current (replaced by newer ones). */
  async release(em: EntityManager, ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await em.query(
      `UPDATE assignment SET current = false, released_at = $2 WHERE id = ANY($1::text[]) AND current`,
      [ids, at],
    );
  }

  /** Inserts a batch of assignments in one statement (json_to_recordset: far cheaper than one insert each). */
  async insert(em: EntityManager, rows: AssignmentRow[]): Promise<void> {
    await em.query(
      `INSERT INTO assignment (id, lead_id, qualification_id, generation, replaces_assignment_id, rep_id, assignee_kind, current, rule_id, pool_id,
         strategy, reason, cause, audit, lead, policy_version, source_event_id, assigned_at, released_at)
       SELECT id, lead_id, qualification_id, generation, replaces_assignment_id, rep_id, assignee_kind, current, rule_id, pool_id,
         strategy, reason, cause, audit, lead, policy_version, source_event_id, assigned_at, released_at
       FROM json_to_recordset($1::json) AS x(id text, current boolean, released_at timestamptz, lead_id text, qualification_id text, generation int, replaces_assignment_id text,
         rep_id text, assignee_kind text, rule_id text, pool_id text, strategy text, reason text, cause text, audit json, lead json,
         policy_version text, source_event_id text, assigned_at timestamptz)`,
      [
        JSON.stringify(
          rows.map((r) => ({
            id: r.id,
            current: r.current,
            released_at: r.releasedAt,
            lead_id: r.leadId,
            qualification_id: r.qualificationId,
            generation: r.generation,
            replaces_assignment_id: r.replacesAssignmentId,
            rep_id: r.repId,
            assignee_kind: r.assigneeKind,
            rule_id: r.ruleId,
            pool_id: r.poolId,
            strategy: r.strategy,
            reason: r.reason,
            cause: r.cause,
            audit: r.audit,
            lead: r.lead,
            policy_version: r.policyVersion,
            source_event_id: r.sourceEventId,
            assigned_at: r.assignedAt,
          })),
        ),
      ],
    );
  }

  /** Every assignment of a lead, newest first, with its rep's name. */
  history(leadId: string): Promise<AssignmentHistoryRow[]> {
    return this.db.query(
      `SELECT a.*, r.profile->>'name' AS rep_name FROM assignment a LEFT JOIN rep r ON r.id = a.rep_id
       WHERE a.lead_id = $1 ORDER BY a.assigned_at DESC, a.generation DESC`,
      [leadId],
    );
  }

  /** domain → the rep who last got a lead of that company. */
  async companyOwners(em: EntityManager, domains: string[]): Promise<Map<string, string>> {
    if (domains.length === 0) return new Map();
    const rows: { domain: string; rep_id: string }[] = await em.query(
      `SELECT domain, rep_id FROM company_owner WHERE domain = ANY($1::text[])`,
      [domains],
    );
    return new Map(rows.map((r) => [r.domain, r.rep_id]));
  }

  async saveCompanyOwners(
    em: EntityManager,
    owners: { domain: string; repId: string; leadId: string }[],
    at: Date,
  ): Promise<void> {
    if (owners.length === 0) return;
    await em.query(
      `INSERT INTO company_owner (domain, rep_id, lead_id, updated_at)
       SELECT domain, rep_id, lead_id, $2 FROM jsonb_to_recordset($1::jsonb) AS x(domain text, rep_id text, lead_id text)
       ON CONFLICT (domain) DO UPDATE SET rep_id = EXCLUDED.rep_id, lead_id = EXCLUDED.lead_id, updated_at = EXCLUDED.updated_at`,
      [JSON.stringify(owners.map((o) => ({ domain: o.domain, rep_id: o.repId, lead_id: o.leadId }))), at],
    );
  }
}
