import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { objectOf, type HubSpotWebhookEvent } from '../hubspot/webhook-events.js';
import type { HubSpotInboxRow } from './hubspot-inbox.entity.js';

/** A pending inbox event as the worker takes it. */
export type InboxEvent = Pick<
  HubSpotInboxRow,
  'eventId' | 'objectId' | 'subscriptionType' | 'occurredAt' | 'payload'
>;

/** The HubSpot webhook inbox (hubspot_inbox): deliveries stored before the 2xx, worked in rounds. */
@Injectable()
export class HubSpotInboxStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Stores a verified delivery in one statement and commits it: only then may HubSpot get its
   * 2xx. A redelivered or replayed event (same eventId) is not stored twice.
   */
  async accept(events: HubSpotWebhookEvent[]): Promise<{ accepted: number; duplicates: number }> {
    const unique = new Map<string, HubSpotWebhookEvent>();
    for (const e of events) unique.set(String(e.eventId), e);
    const list = [...unique.values()];
    const rows: unknown[] = await this.db.query(
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

  /** The oldest pending events, locked for the caller's transaction (other replicas skip them). */
  async takePending(em: EntityManager, limit: number): Promise<InboxEvent[]> {
    const rows: {
      event_id: string;
      object_id: string;
      subscription_type: string;
      occurred_at: string;
      payload: HubSpotWebhookEvent;
    }[] = await em.query(
      `SELECT event_id, object_id, subscription_type, occurred_at, payload FROM hubspot_inbox
        WHERE processed_at IS NULL ORDER BY received_at, occurred_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      objectId: r.object_id,
      subscriptionType: r.subscription_type,
      occurredAt: r.occurred_at,
      payload: r.payload,
    }));
  }

  async markProcessed(em: EntityManager, eventIds: string[]): Promise<void> {
    await em.query(`UPDATE hubspot_inbox SET processed_at = now() WHERE event_id = ANY($1::text[])`, [
      eventIds,
    ]);
  }

  /** Processed events are kept long enough to dedupe HubSpot's retries (it retries for up to 3 days). */
  async purgeProcessed(olderThan: Date): Promise<void> {
    await this.db.query(`DELETE FROM hubspot_inbox WHERE processed_at IS NOT NULL AND processed_at < $1`, [
      olderThan,
    ]);
  }
}
