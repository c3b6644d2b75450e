import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CrmRef, RepRef } from '@baton/domain';
import { AlertReceiptRow, AssignmentRow, QualificationRow, type LeadEssentials } from './sla.entities.js';

/** What a firing round reads of an assignment. */
export type FiringAssignment = Pick<
  AssignmentRow,
  | 'assignmentId'
  | 'leadId'
  | 'qualificationId'
  | 'repId'
  | 'rep'
  | 'crm'
  | 'lead'
  | 'assignedAt'
  | 'supersededBy'
  | 'reassignRequestedAt'
>;

/** Advisory lock space of "one lead at a time" (arming and touches of a lead serialise on it). */
const LEAD_LOCK_SPACE = 0x51a;
/** Leads hash into this many locks: a batch takes at most this many, whatever its size. */
const LEAD_LOCK_BUCKETS = 4096;

export interface SupersededAssignment {
  assignmentId: string;
  by: string;
}

/** Assignments, the qualifications they belong to, and alert receipts: the one place with their SQL. */
@Injectable()
export class AssignmentStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Serialises the work on these leads with every other transaction that takes the same locks
   * (arming and touches): an activity that arrives while its assignment is being armed is seen by
   * one of the two. Buckets in ascending order, so two batches never deadlock.
   */
  async lockLeads(em: EntityManager, leadIds: string[]): Promise<void> {
    if (leadIds.length === 0) return;
    await em.query(
      `SELECT pg_advisory_xact_lock(${LEAD_LOCK_SPACE}, b)
         FROM (SELECT DISTINCT (hashtext(id) & 2147483647) % ${LEAD_LOCK_BUCKETS} AS b FROM unnest($1::text[]) AS id ORDER BY 1) AS buckets`,
      [leadIds],
    );
  }

  /**
   * Inserts the assignments not yet known (the natural-key dedupe) and, in the same round trip,
   * reads the current assignments of their leads: the ids inserted now, and every current one
   * (those just inserted included), oldest first.
   */
  async insertNew(
    em: EntityManager,
    rows: AssignmentRow[],
  ): Promise<{
    inserted: Set<string>;
    current: Pick<AssignmentRow, 'assignmentId' | 'leadId' | 'assignedAt'>[];
  }> {
    if (rows.length === 0) return { inserted: new Set(), current: [] };
    const found: { assignment_id: string; lead_id: string; assigned_at: Date; fresh: boolean }[] =
      await em.query(
        `WITH ins AS (
       INSERT INTO assignment (assignment_id, lead_id, qualification_id, rep_id, team, rule_id, rep, crm, lead,
         assigned_at, signal_received_at, previous_rep_id, reassignment_cause, policy_version, armed_at)
       SELECT assignment_id, lead_id, qualification_id, rep_id, team, rule_id, rep, crm, lead,
         assigned_at, signal_received_at, previous_rep_id, reassignment_cause, policy_version, armed_at
       FROM json_to_recordset($1::json) AS x(assignment_id text, lead_id text, qualification_id text, rep_id text,
         team text, rule_id text, rep jsonb, crm jsonb, lead jsonb, assigned_at timestamptz, signal_received_at timestamptz,
         previous_rep_id text, reassignment_cause text, policy_version text, armed_at timestamptz)
       ON CONFLICT (assignment_id) DO NOTHING
       RETURNING assignment_id, lead_id, assigned_at
       )
       SELECT assignment_id, lead_id, assigned_at, true AS fresh FROM ins
       UNION ALL
       -- The statement's snapshot does not see the rows it inserts: those come from ins.
       SELECT assignment_id, lead_id, assigned_at, false FROM assignment
        WHERE lead_id = ANY($2::text[]) AND superseded_by IS NULL`,
        [
          JSON.stringify(
            rows.map((r) => ({
              assignment_id: r.assignmentId,
              lead_id: r.leadId,
              qualification_id: r.qualificationId,
              rep_id: r.repId,
              team: r.team,
              rule_id: r.ruleId,
              rep: r.rep,
              crm: r.crm,
              lead: r.lead,
              assigned_at: r.assignedAt,
              signal_received_at: r.signalReceivedAt,
              previous_rep_id: r.previousRepId,
              reassignment_cause: r.reassignmentCause,
              policy_version: r.policyVersion,
              armed_at: r.armedAt,
            })),
          ),
          [...new Set(rows.map((r) => r.leadId))],
        ],
      );
    return {
      inserted: new Set(found.filter((r) => r.fresh).map((r) => r.assignment_id)),
      current: found
        .map((r) => ({ assignmentId: r.assignment_id, leadId: r.lead_id, assignedAt: r.assigned_at }))
        .sort((a, b) => a.assignedAt.getTime() - b.assignedAt.getTime()),
    };
  }

  /** The current (not superseded) assignments of these leads, oldest first. */
  async currentOf(
    em: EntityManager,
    leadIds: string[],
  ): Promise<Pick<AssignmentRow, 'assignmentId' | 'leadId' | 'assignedAt'>[]> {
    if (leadIds.length === 0) return [];
    const rows: { assignment_id: string; lead_id: string; assigned_at: Date }[] = await em.query(
      `SELECT assignment_id, lead_id, assigned_at FROM assignment
        WHERE lead_id = ANY($1::text[]) AND superseded_by IS NULL ORDER BY assigned_at`,
      [leadIds],
    );
    return rows.map((r) => ({ assignmentId: r.assignment_id, leadId: r.lead_id, assignedAt: r.assigned_at }));
  }

  async supersede(em: EntityManager, rows: SupersededAssignment[], at: Date): Promise<void> {
    if (rows.length === 0) return;
    await em.query(
      `UPDATE assignment a SET superseded_by = x.by, superseded_at = $2
         FROM json_to_recordset($1::json) AS x(assignment_id text, by text)
        WHERE a.assignment_id = x.assignment_id AND a.superseded_by IS NULL`,
      [JSON.stringify(rows.map((r) => ({ assignment_id: r.assignmentId, by: r.by }))), at],
    );
  }

  /** Adds each assignment's rep to its qualification (created on first sight); returns the qualifications. */
  async addReps(
    em: EntityManager,
    rows: { qualificationId: string; leadId: string; repId: string }[],
  ): Promise<Map<string, QualificationRow>> {
    if (rows.length === 0) return new Map();
    const out: { qualification_id: string; lead_id: string; rep_ids: string[]; reassignments: number }[] =
      await em.query(
        `INSERT INTO qualification AS q (qualification_id, lead_id, rep_ids, reassignments)
         SELECT qualification_id, min(lead_id), array_agg(DISTINCT rep_id), 0
           FROM json_to_recordset($1::json) AS x(qualification_id text, lead_id text, rep_id text)
          GROUP BY qualification_id
          ORDER BY qualification_id
         ON CONFLICT (qualification_id) DO UPDATE
           SET rep_ids = (SELECT array_agg(DISTINCT r) FROM unnest(q.rep_ids || EXCLUDED.rep_ids) AS r)
         RETURNING qualification_id, lead_id, rep_ids, reassignments`,
        [
          JSON.stringify(
            rows.map((r) => ({ qualification_id: r.qualificationId, lead_id: r.leadId, rep_id: r.repId })),
          ),
        ],
      );
    return new Map(
      out.map((r) => [
        r.qualification_id,
        Object.assign(new QualificationRow(), {
          qualificationId: r.qualification_id,
          leadId: r.lead_id,
          repIds: r.rep_ids,
          reassignments: r.reassignments,
        }),
      ]),
    );
  }

  /**
   * Marks the assignments as having asked routing for another rep; returns those it marked now
   * (an assignment asks once, whichever policy's rung came first).
   */
  async markReassignRequested(em: EntityManager, assignmentIds: string[], at: Date): Promise<Set<string>> {
    if (assignmentIds.length === 0) return new Set();
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [rows]: [{ assignment_id: string }[], number] = await em.query(
      `UPDATE assignment SET reassign_requested_at = $2
        WHERE assignment_id = ANY($1::text[]) AND reassign_requested_at IS NULL AND superseded_by IS NULL
        RETURNING assignment_id`,
      [assignmentIds, at],
    );
    return new Set(rows.map((r) => r.assignment_id));
  }

  async countReassignments(em: EntityManager, qualificationIds: string[]): Promise<void> {
    if (qualificationIds.length === 0) return;
    await em.query(
      `UPDATE qualification q SET reassignments = q.reassignments + x.n
         FROM (SELECT id, count(*)::int AS n FROM unnest($1::text[]) AS id GROUP BY id) AS x
        WHERE q.qualification_id = x.id`,
      [qualificationIds],
    );
  }

  /** The first touch of each assignment: the earliest occurrence wins, however late it arrives. */
  async recordFirstTouch(em: EntityManager, rows: { assignmentId: string; at: Date }[]): Promise<void> {
    if (rows.length === 0) return;
    await em.query(
      `UPDATE assignment a SET first_touch_at = LEAST(COALESCE(a.first_touch_at, x.at), x.at)
         FROM json_to_recordset($1::json) AS x(assignment_id text, at timestamptz)
        WHERE a.assignment_id = x.assignment_id`,
      [JSON.stringify(rows.map((r) => ({ assignment_id: r.assignmentId, at: r.at })))],
    );
  }

  async byIds(em: EntityManager, assignmentIds: string[]): Promise<Map<string, AssignmentRow>> {
    if (assignmentIds.length === 0) return new Map();
    const rows = await em
      .getRepository(AssignmentRow)
      .createQueryBuilder('a')
      .where('a.assignment_id = ANY(:ids)', { ids: assignmentIds })
      .getMany();
    return new Map(rows.map((r) => [r.assignmentId, r]));
  }

  /**
   * Assignments with their qualification, for a firing round (one statement, plain rows: the
   * round's hot path; no lock, firing holds the timers').
   */
  async withQualifications(
    em: EntityManager,
    assignmentIds: string[],
  ): Promise<Map<string, { assignment: FiringAssignment; qualification: QualificationRow }>> {
    if (assignmentIds.length === 0) return new Map();
    const rows: {
      assignment_id: string;
      lead_id: string;
      qualification_id: string;
      rep_id: string;
      rep: RepRef;
      crm: CrmRef;
      lead: LeadEssentials;
      assigned_at: Date;
      superseded_by: string | null;
      reassign_requested_at: Date | null;
      rep_ids: string[] | null;
      reassignments: number | null;
    }[] = await em.query(
      `SELECT a.assignment_id, a.lead_id, a.qualification_id, a.rep_id, a.rep, a.crm, a.lead, a.assigned_at,
              a.superseded_by, a.reassign_requested_at, q.rep_ids, q.reassignments
         FROM assignment a LEFT JOIN qualification q ON q.qualification_id = a.qualification_id
        WHERE a.assignment_id = ANY($1::text[])`,
      [assignmentIds],
    );
    return new Map(
      rows.map((r) => [
        r.assignment_id,
        {
          assignment: {
            assignmentId: r.assignment_id,
            leadId: r.lead_id,
            qualificationId: r.qualification_id,
            repId: r.rep_id,
            rep: r.rep,
            crm: r.crm,
            lead: r.lead,
            assignedAt: r.assigned_at,
            supersededBy: r.superseded_by,
            reassignRequestedAt: r.reassign_requested_at,
          },
          qualification: Object.assign(new QualificationRow(), {
            qualificationId: r.qualification_id,
            leadId: r.lead_id,
            repIds: r.rep_ids ?? [r.rep_id],
            reassignments: r.reassignments ?? 0,
          }),
        },
      ]),
    );
  }

  /** The first delivered assignment alert of each assignment (the earliest receipt wins). */
  async recordReceipts(em: EntityManager, rows: AlertReceiptRow[]): Promise<void> {
    if (rows.length === 0) return;
    await em.query(
      `INSERT INTO alert_receipt AS r (assignment_id, lead_id, delivered_at)
       SELECT assignment_id, min(lead_id), min(delivered_at)
         FROM json_to_recordset($1::json) AS x(assignment_id text, lead_id text, delivered_at timestamptz)
        GROUP BY assignment_id
       ON CONFLICT (assignment_id) DO UPDATE SET delivered_at = LEAST(r.delivered_at, EXCLUDED.delivered_at)`,
      [
        JSON.stringify(
          rows.map((r) => ({
            assignment_id: r.assignmentId,
            lead_id: r.leadId,
            delivered_at: r.deliveredAt,
          })),
        ),
      ],
    );
  }

  async receiptsOf(em: EntityManager, assignmentIds: string[]): Promise<Map<string, Date>> {
    if (assignmentIds.length === 0) return new Map();
    const rows: { assignment_id: string; delivered_at: Date }[] = await em.query(
      `SELECT assignment_id, delivered_at FROM alert_receipt WHERE assignment_id = ANY($1::text[])`,
      [assignmentIds],
    );
    return new Map(rows.map((r) => [r.assignment_id, r.delivered_at]));
  }

  /** A lead's assignments, newest first. */
  byLead(leadId: string): Promise<AssignmentRow[]> {
    return this.db.getRepository(AssignmentRow).find({ where: { leadId }, order: { assignedAt: 'DESC' } });
  }

  qualification(qualificationId: string): Promise<QualificationRow | null> {
    return this.db.getRepository(QualificationRow).findOne({ where: { qualificationId } });
  }
}
