import type { EntityManager } from 'typeorm';

/**
 * Processed-event dedupe. Claim inside the transaction that applies the effect: a claim
 * that returns false means the event was already applied, and the effect must be skipped.
 */
export class ProcessedEvents {
  constructor(
    private readonly consumer: string,
    private readonly schema: string,
  ) {}

  async claim(manager: EntityManager, eventId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.schema}.processed_event (consumer, event_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.consumer, eventId],
    );
    return rows.length === 1;
  }

  /** Claims many at once; returns the ids that were new (to be applied now). */
  async claimMany(manager: EntityManager, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows: { event_id: string }[] = await manager.query(
      `INSERT INTO ${this.schema}.processed_event (consumer, event_id)
       SELECT $1, id FROM unnest($2::text[]) AS id
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.consumer, [...new Set(eventIds)]],
    );
    return new Set(rows.map((r) => r.event_id));
  }
}
