import type { EntityManager } from 'typeorm';
import { makeEvent, type CloudEvent, type NewEvent, type TopicName } from '@baton/domain';
import { toRecord } from '@baton/kafka';
import { currentContext, nextTraceparent } from '@baton/observability';

/** The channel the relay listens on; a NOTIFY is delivered when the enqueuing transaction commits. */
export function outboxChannel(schema: string): string {
  return `baton_outbox_${schema}`;
}

/**
 * Transactional outbox: call inside the transaction that changes state, with that
 * transaction's EntityManager. Either the state change and its events are both stored,
 * or neither is; the relay publishes them afterwards.
 */
export class Outbox {
  constructor(
    private readonly source: string,
    private readonly schema: string,
  ) {}

  async enqueue(manager: EntityManager, events: NewEvent<TopicName>[]): Promise<CloudEvent<unknown>[]> {
    if (events.length === 0) return [];
    const traceparent = nextTraceparent(currentContext());
    const built = events.map((e) => ({
      topic: e.topic,
      event: makeEvent(this.source, e) as CloudEvent<unknown>,
    }));
    const records = built.map((b) => toRecord(b.topic, b.event, traceparent));
    await manager.query(
      `INSERT INTO ${this.schema}.outbox (event_id, topic, key, value, headers)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        built.map((b) => b.event.id),
        records.map((r) => r.topic),
        records.map((r) => r.key),
        records.map((r) => r.value),
        records.map((r) => JSON.stringify(r.headers)),
      ],
    );
    await manager.query(`SELECT pg_notify($1, '')`, [outboxChannel(this.schema)]);
    return built.map((b) => b.event);
  }
}
