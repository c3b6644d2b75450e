import type { Message, Producer } from 'kafkajs';
import type { KafkaConnection } from './client.js';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  makeEvent,
  type CloudEvent,
  type NewEvent,
  type TopicName,
} from '@baton/domain';
import { JsonLogger, counter, currentContext, nextTraceparent } from '@baton/observability';
import { Headers } from './headers.js';

/** A message ready for the wire: what the outbox stores and the relay sends. */
export interface OutgoingRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Labelled with the registry (logical) topic name, whatever prefix the deployment puts on the wire. */
const published = counter('baton_kafka_published_total', 'Messages produced', ['topic']);

/** Turns a CloudEvent into a keyed Kafka record with content-type and traceparent headers. */
export function toRecord(
  topic: TopicName,
  event: CloudEvent<unknown>,
  traceparent = nextTraceparent(),
): OutgoingRecord {
  return {
    topic,
    key: event.subject,
    value: JSON.stringify(event),
    headers: {
      [Headers.contentType]: CLOUDEVENTS_CONTENT_TYPE,
      [Headers.traceparent]: traceparent,
      [Headers.ceId]: event.id,
      [Headers.ceType]: event.type,
    },
  };
}

/**
 * Publishes events keyed by lead id with an idempotent producer (acks=all, one request in
 * flight per broker, so per-lead order survives retries). Services that change state use
 * the outbox instead; this is for the relay and for stateless producers.
 */
export interface PublisherOptions {
  /**
   * Longest disconnect() takes (5 s by default): kafkajs waits for the requests in flight, up to
   * its 30 s request timeout when the broker stopped answering. A send abandoned this way fails;
   * what it carried was not acknowledged, and goes again (the outbox keeps it).
   */
  disconnectTimeoutMs?: number;
}

const log = new JsonLogger('kafka.publisher');

export class EventPublisher {
  private readonly producer: Producer;
  private connected = false;
  private readonly disconnectTimeoutMs: number;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly source: string,
    opts: PublisherOptions = {},
  ) {
    this.disconnectTimeoutMs = opts.disconnectTimeoutMs ?? 5_000;
    this.producer = kafka.client.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  /** Within `disconnectTimeoutMs`, whatever the broker does; see PublisherOptions. */
  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    const disconnecting = this.producer.disconnect();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.disconnectTimeoutMs);
    });
    try {
      const done = await Promise.race([disconnecting.then(() => true as const), late]);
      if (!done) {
        disconnecting.catch(() => undefined);
        log.warn('producer disconnect did not finish in time; leaving (unacknowledged sends go again)', {
          disconnectTimeoutMs: this.disconnectTimeoutMs,
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Validates and publishes events of one or more topics; resolves once the broker acknowledged all. */
  async publish(events: NewEvent<TopicName>[]): Promise<CloudEvent<unknown>[]> {
    const built = events.map((e) => ({
      topic: e.topic,
      event: makeEvent(this.source, e) as CloudEvent<unknown>,
    }));
    const traceparent = nextTraceparent(currentContext());
    await this.sendRecords(built.map((b) => toRecord(b.topic, b.event, traceparent)));
    return built.map((b) => b.event);
  }

  /** Sends pre-built records (grouped per topic in one request). */
  async sendRecords(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const topic = this.kafka.physical(r.topic);
      const list = byTopic.get(topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: r.headers });
      byTopic.set(topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    for (const [topic, messages] of byTopic)
      published.inc({ topic: this.kafka.logical(topic) }, messages.length);
  }

  /** Raw access for dead-lettering, which must copy the original bytes as they were. `topic` is the registry name. */
  async sendRaw(topic: string, messages: Message[]): Promise<void> {
    await this.producer.send({ topic: this.kafka.physical(topic), acks: -1, messages });
    published.inc({ topic }, messages.length);
  }
}
