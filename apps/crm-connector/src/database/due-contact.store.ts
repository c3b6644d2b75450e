import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CrmRef } from '@baton/domain';

/** The queues of contacts whose HubSpot data the webhooks do not carry and must be read. */
export type DueTable = 'hubspot_engagement_due' | 'hubspot_activity_due';

export interface DueContact {
  objectId: string;
  leadId: string;
  crm: CrmRef;
}

/** hubspot_engagement_due and hubspot_activity_due: marked in the inbox round, drained by their readers. */
@Injectable()
export class DueContactStore {
  /** Notes, in the inbox transaction, that these contacts must be read by the reader of `table`. */
  async mark(em: EntityManager, table: DueTable, due: DueContact[]): Promise<void> {
    if (due.length === 0) return;
    await em.query(
      `INSERT INTO ${table} (object_id, lead_id, crm)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT (object_id) DO NOTHING`,
      [due.map((d) => d.objectId), due.map((d) => d.leadId), due.map((d) => JSON.stringify(d.crm))],
    );
  }

  /** The longest-due contacts, locked for the caller's round. */
  async take(em: EntityManager, table: DueTable, limit: number): Promise<DueContact[]> {
    const rows: { object_id: string; lead_id: string; crm: CrmRef }[] = await em.query(
      `SELECT object_id, lead_id, crm FROM ${table} ORDER BY due_since LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({ objectId: r.object_id, leadId: r.lead_id, crm: r.crm }));
  }

  async clear(em: EntityManager, table: DueTable, objectIds: string[]): Promise<void> {
    await em.query(`DELETE FROM ${table} WHERE object_id = ANY($1::text[])`, [objectIds]);
  }

  /**
   * Counts a failed read of these contacts (in the caller's transaction) and removes those that
   * failed `maxAttempts` times from the queue; returns them, for the caller to set aside.
   */
  async countFailure(
    em: EntityManager,
    table: DueTable,
    objectIds: string[],
    maxAttempts: number,
  ): Promise<(DueContact & { attempts: number })[]> {
    type Row = { object_id: string; lead_id: string; crm: CrmRef; attempts: number };
    // TypeORM answers UPDATE … RETURNING as [rows, affected].
    const answer: [Row[], number] | Row[] = await em.query(
      `UPDATE ${table} SET attempts = attempts + 1 WHERE object_id = ANY($1::text[])
       RETURNING object_id, lead_id, crm, attempts`,
      [objectIds],
    );
    const rows = (Array.isArray(answer[0]) ? answer[0] : answer) as Row[];
    const poisoned = rows.filter((r) => r.attempts >= maxAttempts);
    if (poisoned.length)
      await this.clear(
        em,
        table,
        poisoned.map((r) => r.object_id),
      );
    return poisoned.map((r) => ({
      objectId: r.object_id,
      leadId: r.lead_id,
      crm: r.crm,
      attempts: r.attempts,
    }));
  }
}
