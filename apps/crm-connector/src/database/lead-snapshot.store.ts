import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LeadSnapshot } from '../mapping/lead-changes.js';

/** What the connector last saw of each lead (lead_snapshot), in the caller's intake transaction. */
@Injectable()
export class LeadSnapshotStore {
  /** The snapshots of many leads, locked for the transaction (one writer per lead at a time). */
  async lock(em: EntityManager, leadIds: string[]): Promise<Map<string, LeadSnapshot>> {
    if (leadIds.length === 0) return new Map();
    const rows: { lead_id: string; snapshot: LeadSnapshot }[] = await em.query(
      `SELECT lead_id, snapshot FROM lead_snapshot WHERE lead_id = ANY($1::text[]) FOR UPDATE`,
      [leadIds],
    );
    return new Map(rows.map((r) => [r.lead_id, r.snapshot]));
  }

  /** One statement for every lead of the batch. */
  async save(em: EntityManager, snapshots: Map<string, LeadSnapshot>): Promise<void> {
    if (snapshots.size === 0) return;
    const ids = [...snapshots.keys()];
    await em.query(
      `INSERT INTO lead_snapshot (lead_id, snapshot, updated_at)
       SELECT id, snap, now() FROM unnest($1::text[], $2::jsonb[]) AS t(id, snap)
       ON CONFLICT (lead_id) DO UPDATE SET snapshot = EXCLUDED.snapshot, updated_at = now()`,
      [ids, ids.map((id) => JSON.stringify(snapshots.get(id)))],
    );
  }
}
