import { connect as netConnect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { Topics, deadLetterTopic, type NewEvent, type TopicName } from '@baton/domain';
import {
  EventConsumer,
  EventPublisher,
  KafkaConnection,
  createKafka,
  provisionTopics,
  topicReprovisioner,
  type OutgoingRecord,
} from '@baton/kafka';
import { metricsRegistry } from '@baton/observability';
import { dropSchema, isolatedEnv, query, readTopic, waitFor } from '@baton/testing';
import { openServiceDatabase } from './data-source.js';
import { Outbox } from './outbox.js';
import { OutboxRelay } from './outbox-relay.js';
import { tcpProxy } from '../test/tcp-proxy.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

const topics = [Topics.LeadActivity];
const settings = { partitions: 2, replicationFactor: 1 };

async function setup(name: string) {
  const env = isolatedEnv(name);
  const schema = env.DATABASE_SCHEMA!;
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(kafka, topics, settings);
  const publisher = new EventPublisher(kafka, 'baton/test');
  await publisher.connect();
  cleanups.push(() => dropSchema(schema));
  cleanups.push(() => publisher.disconnect());
  const ds = await openServiceDatabase({ url: env.DATABASE_URL, schema });
  cleanups.push(() => ds.destroy());
  const outbox = new Outbox('baton/test', schema);
  let n = 0;
  const write = (count: number) =>
    ds.transaction((em) =>
      outbox.enqueue(
        em,
        Array.from({ length: count }, () => activity(n++)),
      ),
    );
  const pending = async () =>
    (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox`))[0].n;
  return { env, schema, kafka, publisher, write, pending, written: () => n };
}

const lead = 'hubspot:contact:6000';
function activity(n: number): NewEvent<TopicName> {
  return {
    topic: Topics.LeadActivity,
    subject: lead,
    data: {
      leadId: lead,
      crm: { provider: 'hubspot', objectType: 'contact', id: '6000' },
      kind: 'call_logged',
      occurredAt: new Date(Date.UTC(2026, 10, 20, 9, 0, 0, n)).toISOString(),
      sourceEventId: `${lead}/${n}`,
    },
  };
}

async function gaugeValue(name: string, schema: string): Promise<number | undefined> {
  const m = await metricsRegistry.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.schema === schema)?.value;
}

async function counterValue(name: string, schema: string): Promise<number> {
  return (await gaugeValue(name, schema)) ?? 0;
}

async function timed(p: Promise<unknown>): Promise<number> {
  const t0 = Date.now();
  await p;
  return Date.now() - t0;
}

describe('OutboxRelay health', () => {
  it('counts failing rounds, tells the last error and the age of the oldest waiting event, and clears once a round gets through', async () => {
    const { env, schema, publisher, write, pending } = await setup('relayhealth');
    let failing = true;
    const sender = {
      async sendRecords(records: OutgoingRecord[]) {
        if (failing) throw new Error('broker unavailable');
        await publisher.sendRecords(records);
      },
    };
    const relay = new OutboxRelay(sender, {
      url: env.DATABASE_URL,
      schema,
      pollIntervalMs: 50,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    cleanups.push(() => relay.stop());
    expect(await relay.oldestPendingAgeMs()).toBeNull();
    await relay.start();
    expect(relay.health()).toMatchObject({ consecutiveFailures: 0, listening: true, running: true });

    await write(3);
    await waitFor(async () => relay.health().consecutiveFailures >= 3, 20_000, 'three failed rounds');
    const failed = relay.health();
    expect(failed.lastError).toBe('broker unavailable');
    expect(failed.lastFailureAt).toBeInstanceOf(Date);
    expect(await gaugeValue('baton_outbox_relay_consecutive_failures', schema)).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 300));
    const age = await relay.oldestPendingAgeMs();
    expect(age).toBeGreaterThanOrEqual(300);
    expect(await gaugeValue('baton_outbox_oldest_pending_age_seconds', schema)).toBeCloseTo(age! / 1000, 1);

    failing = false;
    await waitFor(async () => (await pending()) === 0, 20_000, 'the outbox drained');
    const healthy = relay.health();
    expect(healthy.consecutiveFailures).toBe(0);
    expect(healthy.lastSuccessAt!.getTime()).toBeGreaterThan(failed.lastFailureAt!.getTime());
    expect(healthy.lastError).toBe('broker unavailable'); // kept, for the operator
    expect(await relay.oldestPendingAgeMs()).toBeNull();
    expect(await gaugeValue('baton_outbox_oldest_pending_age_seconds', schema)).toBe(0);
    expect(await gaugeValue('baton_outbox_relay_consecutive_failures', schema)).toBe(0);
  }, 60_000);
});

describe('an outbox event the broker refuses for good', () => {
  it('is set aside, whole and with the reason, and the events behind it are published in order', async () => {
    const { env, schema, kafka, publisher, write, pending } = await setup('relaypoison');
    await write(2);
    // Larger than the broker takes (message.max.bytes, 1 MiB by default), as a service could
    // write it: the relay would fail on it forever.
    const big = JSON.stringify({ note: 'x'.repeat(1_200_000) });
    await query(
      `INSERT INTO ${schema}.outbox (event_id, topic, key, value, headers) VALUES ('too-big', $1, $2, $3, '{}'::jsonb)`,
      [Topics.LeadActivity, lead, big],
    );
    await write(3);
    const relay = new OutboxRelay(publisher, { url: env.DATABASE_URL, schema, pollIntervalMs: 100 });
    cleanups.push(() => relay.stop());
    const deadBefore = await counterValue('baton_outbox_dead_total', schema);
    await relay.start();
    await waitFor(async () => (await pending()) === 0, 30_000, 'the outbox drained past the refused event');
    const dead = await query<{ event_id: string; bytes: number; reason: string }>(
      `SELECT event_id, octet_length(value) AS bytes, reason FROM ${schema}.outbox_dead`,
    );
    expect(dead).toEqual([
      {
        event_id: 'too-big',
        bytes: Buffer.byteLength(big),
        reason: expect.stringMatching(/larger than the max message size/),
      },
    ]);
    expect(await counterValue('baton_outbox_dead_total', schema)).toBe(deadBefore + 1);
    const seen = await readTopic(kafka, Topics.LeadActivity, { until: (m) => m.length >= 5 });
    expect(seen.map((m) => m.json<{ data: { sourceEventId: string } }>().data.sourceEventId)).toEqual(
      [0, 1, 2, 3, 4].map((n) => `${lead}/${n}`),
    );
    expect(relay.health().consecutiveFailures).toBe(0);
  }, 60_000);
});

describe('a broker wiped under a running consumer and relay', () => {
  it('has its topics provisioned again: outbox rows committed meanwhile are published, and consumed, without a restart', async () => {
    const { env, schema, kafka, publisher, write, pending, written } = await setup('relaywipe');
    const reprovision = topicReprovisioner(kafka, topics, settings);
    const relay = new OutboxRelay(publisher, {
      url: env.DATABASE_URL,
      schema,
      pollIntervalMs: 100,
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      reprovision,
    });
    cleanups.push(() => relay.stop());
    const consumed = new Set<string>();
    const consumer = new EventConsumer(kafka, {
      groupId: `g-relaywipe-${schema}`,
      source: 'baton/test',
      reprovision,
    });
    cleanups.push(() => consumer.stop());
    consumer.on(Topics.LeadActivity, async (e) => {
      consumed.add(e.data.sourceEventId);
    });
    await consumer.start();
    await relay.start();
    await write(20);
    await waitFor(async () => consumed.size === 20, 30_000, 'the first 20 events consumed');

    const admin = kafka.client.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    // Only this test's own topics (its prefix).
    const mine = topics.flatMap((t) => [kafka.physical(t), kafka.physical(deadLetterTopic(t))]);
    await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    await waitFor(async () => !(await admin.listTopics()).some((t) => mine.includes(t)), 30_000, 'the wipe');

    // Committed while the topics are gone: stuck until they exist again.
    for (let i = 0; i < 5; i++) {
      await write(10);
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor(async () => (await pending()) === 0, 120_000, 'the outbox published after the wipe');
    await waitFor(async () => consumed.size === written(), 120_000, 'every event consumed');
    expect(consumed.size).toBe(70);
    expect(consumer.health().state).toBe('running');
    expect(relay.health()).toMatchObject({ consecutiveFailures: 0, running: true });
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(mine));
  }, 240_000);
});

describe('a broker wiped under a relay alone', () => {
  it('has the relay provision the topics again when a round finds them missing, then publish what waited', async () => {
    const { env, schema, kafka, publisher, write, pending } = await setup('relayalone');
    const relay = new OutboxRelay(publisher, {
      url: env.DATABASE_URL,
      schema,
      pollIntervalMs: 100,
      reprovision: topicReprovisioner(kafka, topics, settings),
    });
    cleanups.push(() => relay.stop());
    await relay.start();
    await write(5);
    await waitFor(async () => (await pending()) === 0, 20_000, 'the first events published');
    const admin = kafka.client.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const mine = topics.flatMap((t) => [kafka.physical(t), kafka.physical(deadLetterTopic(t))]);
    await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    await waitFor(async () => !(await admin.listTopics()).some((t) => mine.includes(t)), 30_000, 'the wipe');

    await write(5);
    await waitFor(async () => (await pending()) === 0, 120_000, 'the events published after the wipe');
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(mine));
    const seen = await readTopic(kafka, Topics.LeadActivity, {
      until: (s) => s.length >= 5,
      timeoutMs: 30_000,
    });
    expect(seen.map((m) => m.json<{ data: { sourceEventId: string } }>().data.sourceEventId).sort()).toEqual(
      [5, 6, 7, 8, 9].map((n) => `${lead}/${n}`),
    );
    expect(relay.health().consecutiveFailures).toBe(0);
  }, 180_000);
});

describe('OutboxRelay.stop() is bounded', () => {
  const STOP_MS = 3_000;
  /** What a loaded machine may add; far below the 30 s a query or a Kafka request may wait. */
  const SLACK_MS = 3_000;

  it('returns within its bound when Postgres stops answering in the middle of a round', async () => {
    const { env, schema, publisher, write, pending } = await setup('relaystoppg');
    const proxy = await tcpProxy(new URL(env.DATABASE_URL));
    cleanups.push(() => proxy.down());
    let hold: Promise<void> | undefined;
    let release = () => {};
    let held = false;
    const sender = {
      async sendRecords(records: OutgoingRecord[]) {
        if (hold) {
          held = true;
          await hold;
        }
        await publisher.sendRecords(records);
      },
    };
    const relay = new OutboxRelay(sender, {
      url: proxy.url,
      schema,
      pollIntervalMs: 100,
      listenerCheckIntervalMs: 120_000,
      stopTimeoutMs: STOP_MS,
    });
    cleanups.push(() => relay.stop());
    await relay.start();
    hold = new Promise((r) => (release = r));
    await write(5);
    await waitFor(async () => held, 10_000, 'a round under way');
    proxy.freeze({ silence: true });
    hold = undefined;
    release(); // its DELETE and COMMIT now get no answer
    const took = await timed(relay.stop({ drain: true }));
    expect(took).toBeLessThan(STOP_MS + SLACK_MS);
    // Nothing was lost: the round rolled back, its rows wait for the next relay.
    expect(await pending()).toBe(5);
  }, 60_000);

  it('returns within its bound when the broker stops answering; the events wait in the outbox for the next relay', async () => {
    const { env, schema, kafka, publisher, write, pending } = await setup('relaystopkafka');
    const [host, port] = env.KAFKA_BROKERS[0].split(':');
    const proxy = await tcpProxy(new URL(`tcp://${host}:${port}`));
    cleanups.push(() => proxy.down());
    // Every broker connection through the proxy (the broker advertises its own address).
    const client = new Kafka({
      clientId: 'baton-test',
      brokers: [`127.0.0.1:${proxy.port}`],
      logLevel: logLevel.NOTHING,
      socketFactory: ({ onConnect }) => netConnect({ host: '127.0.0.1', port: proxy.port }, onConnect),
    });
    const through = new EventPublisher(
      new KafkaConnection(client, { ...kafka.settings, brokers: [] }),
      'baton/test',
    );
    await through.connect();
    const relay = new OutboxRelay(through, {
      url: env.DATABASE_URL,
      schema,
      pollIntervalMs: 100,
      stopTimeoutMs: STOP_MS,
    });
    cleanups.push(() => relay.stop());
    await relay.start();
    await write(5);
    await waitFor(async () => (await pending()) === 0, 20_000, 'the first events published');

    proxy.freeze({ silence: true });
    await write(5);
    await new Promise((r) => setTimeout(r, 1_000)); // a round is now waiting on the broker
    const took = await timed(relay.stop({ drain: true }));
    expect(took).toBeLessThan(STOP_MS + SLACK_MS);
    expect(await pending()).toBe(5);
    void through.disconnect().catch(() => undefined);

    // The next relay publishes them.
    const next = new OutboxRelay(publisher, { url: env.DATABASE_URL, schema, pollIntervalMs: 100 });
    cleanups.push(() => next.stop());
    await next.start();
    await waitFor(async () => (await pending()) === 0, 20_000, 'the rest published by the next relay');
    const seen = await readTopic(kafka, Topics.LeadActivity, {
      until: (s) => new Set(s.map((m) => m.json<{ id: string }>().id)).size >= 10,
    });
    expect(new Set(seen.map((m) => m.json<{ id: string }>().id)).size).toBe(10);
  }, 90_000);
});
