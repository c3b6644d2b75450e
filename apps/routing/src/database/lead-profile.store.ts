import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Firmographics, Identity, LeadProfile } from '@baton/domain';

export interface StoredProfile {
  identity: Identity;
  firmographics: Firmographics;
  ownerId?: string;
}

/** The latest CRM profile of each lead (lead_profile). */
@Injectable()
export class LeadProfileStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Upserts the profiles, one statement; a stored profile newer than the one given is kept, so
   * a late duplicate or an out-of-order delivery never overwrites fresher facts.
   */
  async save(profiles: LeadProfile[], em: EntityManager = this.db.manager): Promise<void> {
    if (profiles.length === 0) return;
    const rows = [...profiles]
      .sort((a, b) => (a.leadId < b.leadId ? -1 : 1))
      .map((p) => ({
        lead_id: p.leadId,
        crm: p.crm,
        identity: p.identity,
        firmographics: p.firmographics,
        owner_id: p.ownerId ?? null,
        deleted: p.change === 'deleted',
        occurred_at: p.occurredAt,
      }));
    await em.query(
      `INSERT INTO lead_profile (lead_id, crm, identity, firmographics, owner_id, deleted, occurred_at)
       SELECT lead_id, crm, identity, firmographics, owner_id, deleted, occurred_at
       FROM jsonb_to_recordset($1::jsonb) AS x(lead_id text, crm jsonb, identity jsonb, firmographics jsonb, owner_id text, deleted boolean, occurred_at timestamptz)
       ON CONFLICT (lead_id) DO UPDATE SET crm = EXCLUDED.crm, identity = EXCLUDED.identity, firmographics = EXCLUDED.firmographics,
         owner_id = EXCLUDED.owner_id, deleted = EXCLUDED.deleted, occurred_at = EXCLUDED.occurred_at
       WHERE lead_profile.occurred_at <= EXCLUDED.occurred_at`,
      [JSON.stringify(rows)],
    );
  }

  /** The stored profiles of these leads (deleted ones left out). */
  async of(em: EntityManager, leadIds: string[]): Promise<Map<string, StoredProfile>> {
    const rows: {
      lead_id: string;
      identity: Identity;
      firmographics: Firmographics;
      owner_id: string | null;
    }[] = await em.query(
      `SELECT lead_id, identity, firmographics, owner_id FROM lead_profile WHERE lead_id = ANY($1::text[]) AND NOT deleted`,
      [leadIds],
    );
    return new Map(
      rows.map((r) => [
        r.lead_id,
        { identity: r.identity, firmographics: r.firmographics, ownerId: r.owner_id ?? undefined },
      ]),
    );
  }
}
