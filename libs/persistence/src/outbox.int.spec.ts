import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Topics, type NewEvent, type TopicName } from '@baton/domain';
import { EventConsumer, EventPublisher, createKafka, provisionTopics, toRecord } from '@baton/kafka';
import { dropSchema, isolatedEnv, query, readTopic, waitFor } from '@baton/testing';
import type { DataSource } from 'typeorm';
import { metricsRegistry } from '@baton/observability';
import { openServiceDatabase } from './data-source.js';
import { ProcessedEvents } from './dedupe.js';
import { Outbox } from './outbox.js';
import { OutboxRelay } from './outbox-relay.js';
import { DemoLead1732300000001 } from '../test/demo-lead.migration.js';
import { tcpProxy } from '../test/tcp-proxy.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(name: string) {
  const env = isolatedEnv(name);
  const schema = env.DATABASE_SCHEMA!;
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(kafka, [Topics.LeadRecycled, Topics.LeadActivity], {
    partitions: 3,
    replicationFactor: 1,
  });
  const publisher = new EventPublisher(kafka, 'baton/test');
  await publisher.connect();
  cleanups.push(() => dropSchema(schema));
  cleanups.push(() => publisher.disconnect());
  const relay = (batchSize = 500, opts: Partial<ConstructorParameters<typeof OutboxRelay>[1]> = {}) => {
    const r = new OutboxRelay(publisher, {
      url: env.DATABASE_URL,
      schema,
      batchSize,
      pollIntervalMs: 50,
      ...opts,
    });
    cleanups.push(() => r.stop());
    return r;
  };
  const db = async (): Promise<DataSource> => {
    const ds = await openServiceDatabase({
      url: env.DATABASE_URL,
      schema,
      migrations: [DemoLead1732300000001],
    });
    cleanups.push(() => ds.destroy());
    return ds;
  };
  return { env, schema, kafka, publisher, relay, db };
}

function activity(leadId: string, n: number): NewEvent<TopicName> {
  return {
    topic: Topics.LeadActivity,
    subject: leadId,
    data: {
      leadId,
      crm: { provider: 'hubspot', objectType: 'contact', id: leadId.split(':')[2] },
      kind: 'call_logged',
      occurredAt: new Date(Date.UTC(2026, 10, 20, 9, 0, 0, n)).toISOString(),
      sourceEventId: `${leadId}/${n}`,
    },
  };
}

describe('transactional outbox on real Postgres and Kafka', () => {
  it('publishes, exactly once, an event whose writer was SIGKILLed after the commit and before the publish', async () => {
    const { env, schema, kafka, relay } = await setup('crash');
    const leadId = 'hubspot:contact:4242';
    const eventId = randomUUID();
    const child = spawn(
      process.execPath,
      [
        '--import',
        '@swc-node/register/esm-register',
        fileURLToPath(new URL('../test/crash-writer.ts', import.meta.url)),
        env.DATABASE_URL,
        schema,
        leadId,
        eventId,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    expect(signal, out).toBe('SIGKILL');
    expect(out).toContain('committed');
    expect(await query(`SELECT touches FROM ${schema}.demo_lead`)).toEqual([{ touches: 1 }]);
    expect(await query(`SELECT count(*)::int AS n FROM ${schema}.outbox`)).toEqual([{ n: 1 }]);

    // "After restart": a new process's relay finds the committed event and publishes it.
    await relay().start();
    const seen = await readTopic(kafka, Topics.LeadRecycled, { until: (s) => s.length >= 1 });
    await waitFor(
      async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox`))[0].n === 0,
      10_000,
      'outbox drained',
    );
    // Read again after the relay had time to misbehave: still exactly one.
    const again = await readTopic(kafka, Topics.LeadRecycled, { until: (s) => s.length >= 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.map((m) => m.json<{ id: string }>().id)).toEqual([eventId]);
    expect(again).toHaveLength(1);
    expect(again[0].key).toBe(leadId);
  });

  it('applies the same event delivered twice only once', async () => {
    const { schema, kafka, publisher, db } = await setup('dedupe');
    const ds = await db();
    const leadId = 'hubspot:contact:77';
    const built = await publisher.publish([activity(leadId, 1)]);
    // The broker sees the very same CloudEvent (same id) a second time, as after a producer retry.
    await publisher.sendRecords([toRecord(Topics.LeadActivity, built[0])]);

    const processed = new ProcessedEvents('touch-counter', schema);
    const consumer = new EventConsumer(kafka, { groupId: `g-${schema}`, source: 'baton/test' });
    cleanups.push(() => consumer.stop());
    let deliveries = 0;
    consumer.on(Topics.LeadActivity, async (event) => {
      deliveries++;
      await ds.transaction(async (em) => {
        if (!(await processed.claim(em, event.id))) return;
        await em.query(
          `INSERT INTO demo_lead (lead_id, touches) VALUES ($1, 1) ON CONFLICT (lead_id) DO UPDATE SET touches = demo_lead.touches + 1`,
          [event.subject],
        );
      });
    });
    await consumer.start();
    await waitFor(async () => deliveries === 2, 20_000, 'both deliveries');
    expect(await query(`SELECT lead_id, touches FROM ${schema}.demo_lead`)).toEqual([
      { lead_id: leadId, touches: 1 },
    ]);
  });

  it('splits a round that would exceed the broker message size for one partition', async () => {
    const { schema, kafka, relay, db } = await setup('biground');
    const ds = await db();
    const outbox = new Outbox('baton/test', schema);
    const leadId = 'hubspot:contact:5150';
    // 100 events of ~20 kB for one lead: 2 MB for one partition, twice the broker's default limit.
    const events = Array.from({ length: 100 }, (_, n) => {
      const e = activity(leadId, n);
      return {
        ...e,
        data: { ...e.data, subject: `call notes ${n} `.padEnd(20_000, '.') },
      } as NewEvent<TopicName>;
    });
    await ds.transaction((em) => outbox.enqueue(em, events));
    await relay(500).start();
    const seen = await readTopic(kafka, Topics.LeadActivity, {
      until: (s) => s.length >= events.length,
      timeoutMs: 30_000,
    });
    const ns = seen.map((m) =>
      Number(m.json<{ data: { sourceEventId: string } }>().data.sourceEventId.split('/')[1]),
    );
    expect(ns).toEqual(Array.from({ length: 100 }, (_, n) => n));
    await waitFor(
      async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox`))[0].n === 0,
      10_000,
      'outbox drained',
    );
  });

  it('publishes every event once, in per-lead order, with two relays on the same outbox', async () => {
    const { schema, kafka, relay, db } = await setup('tworelays');
    const ds = await db();
    const outbox = new Outbox('baton/test', schema);
    const leads = Array.from({ length: 20 }, (_, i) => `hubspot:contact:${1000 + i}`);
    const total = 2000;
    for (let chunk = 0; chunk < total; chunk += 200) {
      await ds.transaction((em) =>
        outbox.enqueue(
          em,
          Array.from({ length: 200 }, (_, i) => activity(leads[(chunk + i) % leads.length], chunk + i)),
        ),
      );
    }
    const a = relay(100);
    const b = relay(100);
    await Promise.all([a.start(), b.start()]);
    const seen = await readTopic(kafka, Topics.LeadActivity, {
      until: (s) => s.length >= total,
      timeoutMs: 60_000,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const ids = seen.map((m) => m.json<{ id: string }>().id);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    for (const lead of leads) {
      const ns = seen
        .filter((m) => m.key === lead)
        .map((m) => Number(m.json<{ data: { sourceEventId: string } }>().data.sourceEventId.split('/')[1]));
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
    }
    expect(await query(`SELECT count(*)::int AS n FROM ${schema}.outbox`)).toEqual([{ n: 0 }]);
  });

  it('survives its database connections being terminated mid-stream: reconnects, re-LISTENs, loses nothing', async () => {
    const { schema, kafka, relay, db } = await setup('reconnect');
    const ds = await db();
    const outbox = new Outbox('baton/test', schema);
    const leads = Array.from({ length: 5 }, (_, i) => `hubspot:contact:${2000 + i}`);
    let n = 0;
    const write = (count: number) =>
      ds.transaction((em) =>
        outbox.enqueue(
          em,
          Array.from({ length: count }, () => activity(leads[n % leads.length], n++)),
        ),
      );
    // A poll an order of magnitude longer than the test: only a NOTIFY, or the round run on
    // reconnecting, can publish within it.
    const r = relay(50, { pollIntervalMs: 120_000, reconnect: { initialDelayMs: 1000, maxDelayMs: 2000 } });
    await r.start();
    const relayBackends = () =>
      query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
        [`baton-relay:${schema}`],
      );
    const lost = await relayConnectionErrors(schema);

    const stream = (async () => {
      for (let i = 0; i < 30; i++) {
        await write(10);
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    await waitFor(async () => n >= 100, 10_000, 'first part of the stream');
    const before = (await relayBackends()).map((b) => b.pid);
    const killed = await query<{ pid: number }>(
      `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()`,
      [`baton-relay:${schema}`],
    );
    expect(killed.length).toBeGreaterThanOrEqual(1);
    await waitFor(async () => !r.isListening, 5_000, 'the relay to notice its LISTEN connection is gone');
    // Committed while nothing listens: its NOTIFY is lost, the round run on reconnecting finds it.
    await write(10);
    expect(r.isListening).toBe(false);
    await stream;

    await waitFor(async () => r.isListening, 10_000, 'the LISTEN connection re-opened');
    const after = (await relayBackends()).map((b) => b.pid);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    expect(await relayConnectionErrors(schema)).toBeGreaterThan(lost);
    await waitFor(
      async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox`))[0].n === 0,
      15_000,
      'everything committed meanwhile published',
    );

    // After the reconnect a NOTIFY wakes the relay again: published in far less than the poll.
    const sent = Date.now();
    await write(1);
    const total = n;
    const seen = await readTopic(kafka, Topics.LeadActivity, {
      until: (s) => new Set(s.map((m) => m.json<{ id: string }>().id)).size >= total,
      timeoutMs: 15_000,
    });
    expect(Date.now() - sent).toBeLessThan(10_000);
    const numbers = seen.map((m) =>
      Number(m.json<{ data: { sourceEventId: string } }>().data.sourceEventId.split('/')[1]),
    );
    expect([...new Set(numbers)].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    // At least once: a round cut off between the broker's ack and its COMMIT is published again
    // (at most one round per terminated connection), nothing else.
    expect(seen.length - new Set(numbers).size).toBeLessThanOrEqual(50 * killed.length);
  });

  it('rides out a database restart: connections reset, then refused, then back', async () => {
    const { env, schema, kafka, relay, db } = await setup('restart');
    const ds = await db();
    const outbox = new Outbox('baton/test', schema);
    let n = 0;
    const write = (count: number) =>
      ds.transaction((em) =>
        outbox.enqueue(
          em,
          Array.from({ length: count }, () => activity('hubspot:contact:3000', n++)),
        ),
      );
    // The relay reaches Postgres through a proxy the test can take down, as a restart would.
    const proxy = await tcpProxy(new URL(env.DATABASE_URL));
    cleanups.push(() => proxy.down());
    const r = relay(50, {
      url: proxy.url,
      pollIntervalMs: 120_000,
      reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
    });
    await r.start();
    await write(20);
    await readTopic(kafka, Topics.LeadActivity, { until: (s) => s.length >= 20 });

    const lost = await relayConnectionErrors(schema);
    await proxy.down();
    await waitFor(async () => !r.isListening, 5_000, 'the relay to notice the restart');
    await write(20);
    // Reconnect attempts fail (connection refused) while the server is "down".
    await waitFor(
      async () => (await relayConnectionErrors(schema)) >= lost + 4,
      10_000,
      'failed reconnect attempts',
    );
    expect(r.isListening).toBe(false);
    await proxy.up();
    await waitFor(async () => r.isListening, 10_000, 'the LISTEN connection re-opened');
    await waitFor(
      async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox`))[0].n === 0,
      10_000,
      'what was committed during the restart published',
    );
    await write(1);
    const total = n;
    const seen = await readTopic(kafka, Topics.LeadActivity, {
      until: (s) => new Set(s.map((m) => m.json<{ id: string }>().id)).size >= total,
      timeoutMs: 10_000,
    });
    const numbers = [
      ...new Set(seen.map((m) => m.json<{ data: { sourceEventId: string } }>().data.sourceEventId)),
    ];
    expect(numbers.map((id) => Number(id.split('/')[1])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, i) => i),
    );
  });

  it('finds a vanished server by checking the LISTEN connection, ends the round stuck on it, and moves on', async () => {
    const { env, schema, kafka, publisher, db } = await setup('vanish');
    const ds = await db();
    const outbox = new Outbox('baton/test', schema);
    let n = 0;
    const write = (count: number) =>
      ds.transaction((em) =>
        outbox.enqueue(
          em,
          Array.from({ length: count }, () => activity('hubspot:contact:4000', n++)),
        ),
      );
    const proxy = await tcpProxy(new URL(env.DATABASE_URL));
    cleanups.push(() => proxy.down());
    // A sender the test can hold, to have a round under way at the moment the server vanishes.
    let gate: Promise<void> | undefined;
    let open = () => {};
    let held = false;
    const sender = {
      async sendRecords(records: Parameters<typeof publisher.sendRecords>[0]) {
        if (gate) {
          held = true;
          await gate;
        }
        await publisher.sendRecords(records);
      },
    };
    const r = new OutboxRelay(sender, {
      url: proxy.url,
      schema,
      batchSize: 50,
      pollIntervalMs: 120_000,
      listenerCheckIntervalMs: 200,
      reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
    });
    cleanups.push(() => r.stop());
    await r.start();
    await write(5);
    await readTopic(kafka, Topics.LeadActivity, { until: (s) => s.length >= 5 });

    gate = new Promise((resolve) => (open = resolve));
    await write(5);
    await waitFor(async () => held, 10_000, 'a round holding its batch');
    const lost = await relayConnectionErrors(schema);
    // Every open connection now leads nowhere, and says nothing: only a check can tell. The
    // round's DELETE and COMMIT, sent after the broker's ack, get no answer.
    proxy.freeze();
    gate = undefined;
    open();
    const frozenAt = Date.now();
    // (Counted rather than watched: the relay may be listening again within a few ms.)
    await waitFor(
      async () => (await relayConnectionErrors(schema)) > lost,
      15_000,
      'the check to find the LISTEN connection dead',
    );
    await waitFor(async () => r.isListening, 10_000, 'a new LISTEN connection');
    await waitFor(
      async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox`))[0].n === 0,
      15_000,
      'the stuck round done again on a new connection',
    );
    // Well before the round's 30 s query timeout would have ended it.
    expect(Date.now() - frozenAt).toBeLessThan(20_000);
    const seen = await readTopic(kafka, Topics.LeadActivity, {
      until: (s) => new Set(s.map((m) => m.json<{ id: string }>().id)).size >= 10,
      timeoutMs: 10_000,
    });
    expect(new Set(seen.map((m) => m.json<{ id: string }>().id)).size).toBe(10);
  });
});

async function relayConnectionErrors(schema: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('baton_outbox_relay_connection_errors_total')?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels.schema === schema)
    .reduce((sum, v) => sum + v.value, 0);
}
