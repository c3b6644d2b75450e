import type { DataSource, EntityManager } from 'typeorm';
import { objectOf, type HubSpotWebhookEvent } from './webhook-events.js';

export interface InboxRow {
  event_id: string;
  object_id: string;
  subscription_type: string;
  occurred_at: string;
  payload: HubSpotWebhookEvent;
}

/**
 * Stores a verified webhook delivery in one statement and commits it: only then may HubSpot
 * get its 2xx. A redelivered or replayed event (same eventId) is not stored twice.
 */
export async function acceptDelivery(
  db: DataSource,
  events: HubSpotWebhookEvent[],
): Promise<{ accepted: number; duplicates: number }> {
  const unique = new Map<string, HubSpotWebhookEvent>();
  for (const e of events) unique.set(String(e.eventId), e);
  const list = [...unique.values()];
  const rows: unknown[] = await db.query(
    `INSERT INTO hubspot_inbox (event_id, object_id, subscription_type, occurred_at, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::jsonb[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [
      list.map((e) => String(e.eventId)),
      list.map((e) => objectOf(e)),
      list.map((e) => e.subscriptionType),
      list.map((e) => e.occurredAt),
      list.map((e) => JSON.stringify(e)),
    ],
  );
  return { accepted: rows.length, duplicates: events.length - rows.length };
}

/** Takes the oldest pending events, locked for this transaction. */
export async function takePending(em: EntityManager, limit: number): Promise<InboxRow[]> {
  return em.query(
    `SELECT event_id, object_id, subscription_type, occurred_at, payload FROM hubspot_inbox
      WHERE processed_at IS NULL ORDER BY received_at, occurred_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

export async function markProcessed(em: EntityManager, eventIds: string[]): Promise<void> {
  await em.query(`UPDATE hubspot_inbox SET processed_at = now() WHERE event_id = ANY($1::text[])`, [
    eventIds,
  ]);
}

/** Processed events are kept long enough to dedupe HubSpot's retries (it retries for up to 3 days). */
export async function purgeInbox(em: EntityManager, olderThan: Date): Promise<void> {
  await em.query(`DELETE FROM hubspot_inbox WHERE processed_at IS NOT NULL AND processed_at < $1`, [
    olderThan,
  ]);
}
