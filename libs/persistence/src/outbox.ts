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
    const rows = built.map((b) => ({ ...toRecord(b.topic, b.event, traceparent), event_id: b.event.id }));
    // One JSON document rather than text[] parameters: pg escapes array elements in JS, which
    // costs more than the insert for large values. The NOTIFY rides in the same round trip.
    await manager.query(
      `WITH added AS (
         INSERT INTO ${this.schema}.outbox (event_id, topic, key, value, headers)
         SELECT event_id, topic, key, value, headers
           FROM json_to_recordset($1::json) AS t(event_id text, topic text, key text, value text, headers jsonb)
         ON CONFLICT (event_id) DO NOTHING
         RETURNING 1
       )
       SELECT pg_notify($2, '') FROM (SELECT count(*) FROM added) AS n`,
      [JSON.stringify(rows), outboxChannel(this.schema)],
    );
    return built.map((b) => b.event);
  }
}
