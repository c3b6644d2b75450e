import type { EntityManager } from 'typeorm';
import type { CloudEvent, LeadProfile } from '@baton/domain';

/**
 * Keeps the latest CRM profile of each lead (newest occurredAt wins, so a late duplicate or an
 * out-of-order delivery never overwrites fresher facts). Qualification events are enriched
 * from it: the CRM may know the state, industry or owner that scoring did not carry.
 */
export async function storeProfiles(em: EntityManager, events: CloudEvent<LeadProfile>[]): Promise<void> {
  const latest = new Map<string, LeadProfile>();
  for (const { data } of events) {
    const seen = latest.get(data.leadId);
    if (!seen || Date.parse(seen.occurredAt) <= Date.parse(data.occurredAt)) latest.set(data.leadId, data);
  }
  if (latest.size === 0) return;
  const rows = [...latest.values()]
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
