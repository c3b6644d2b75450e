import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cleanText } from '@baton/domain';
import { objectOf, type HubSpotWebhookEvent, type RejectedWebhookEvent } from '../hubspot/webhook-events.js';
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
  async accept(
    events: HubSpotWebhookEvent[],
    rejected: RejectedWebhookEvent[] = [],
  ): Promise<{ accepted: number; duplicates: number; rejected: number }> {
    if (rejected.length) await this.setAside(this.db.manager, rejected);
    if (events.length === 0) return { accepted: 0, duplicates: 0, rejected: rejected.length };
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
    return { accepted: rows.length, duplicates: events.length - rows.length, rejected: rejected.length };
  }

  /** Keeps events that cannot be accepted or worked in hubspot_inbox_rejected, with their reason. */
  async setAside(
    em: EntityManager,
    rejected: (RejectedWebhookEvent & { objectId?: string })[],
  ): Promise<void> {
    if (rejected.length === 0) return;
    await em.query(
      `INSERT INTO hubspot_inbox_rejected (event_id, object_id, reason, raw)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
      [
        rejected.map((r) => r.eventId ?? null),
        rejected.map((r) => r.objectId ?? null),
        rejected.map((r) => cleanText(r.reason).slice(0, 2_000)),
        rejected.map((r) => cleanText(r.raw)),
      ],
    );
  }

  /**
   * Counts a failed attempt on these pending events (outside the failed round's transaction) and
   * moves those that failed `maxAttempts` times to hubspot_inbox_rejected; returns how many moved.
   */
  async countFailure(eventIds: string[], reason: string, maxAttempts: number): Promise<number> {
    return this.db.transaction(async (em) => {
      type Counted = { event_id: string; object_id: string; payload: unknown; attempts: number };
      // TypeORM answers UPDATE … RETURNING as [rows, affected].
      const answer: [Counted[], number] | Counted[] = await em.query(
        `UPDATE hubspot_inbox SET attempts = attempts + 1
          WHERE event_id = ANY($1::text[]) AND processed_at IS NULL
          RETURNING event_id, object_id, payload, attempts`,
        [eventIds],
      );
      const counted = (Array.isArray(answer[0]) ? answer[0] : answer) as Counted[];
      const poisoned = counted.filter((r) => r.attempts >= maxAttempts);
      if (poisoned.length === 0) return 0;
      await this.setAside(
        em,
        poisoned.map((p) => ({
          eventId: p.event_id,
          objectId: p.object_id,
          reason: `failed ${maxAttempts} rounds: ${reason}`,
          raw: JSON.stringify(p.payload).slice(0, 8_192),
        })),
      );
      await em.query(`DELETE FROM hubspot_inbox WHERE event_id = ANY($1::text[])`, [
        poisoned.map((p) => p.event_id),
      ]);
      return poisoned.length;
    });
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
