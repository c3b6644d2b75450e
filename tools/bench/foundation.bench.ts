/**
 * Foundation benchmark: the raw kafkajs floor and the same work through Baton's libraries,
 * in one run on the local broker (tools/infra.sh) and Postgres.
 *
 *   npm run bench:foundation            (N=50000 by default; BENCH_N to change)
 *
 * Prints: raw produce and consume throughput, raw end-to-end p50/p99 at a fixed rate;
 * outbox enqueue and relay throughput; validated + deduped consume throughput (EventConsumer
 * batch handler with a processed-event claim in a Postgres transaction); end-to-end p50/p99
 * from an outbox commit to the consumer's handler at the same fixed rate.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Topics, makeEvent, type LeadEngagement, type NewEvent, type TopicName } from '@baton/domain';
import { EventConsumer, EventPublisher, createKafka, provisionTopics } from '@baton/kafka';
import { JsonLogger } from '@baton/observability';
import { Outbox, OutboxRelay, ProcessedEvents, openServiceDatabase } from '@baton/persistence';
import { percentile } from '@baton/testing';

JsonLogger.configure({ level: 'error' });
const N = Number(process.env.BENCH_N ?? 50_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const LAT_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const dbUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/baton_test';
const run = `bench_${Date.now().toString(36)}`;
const kafka = createKafka({ brokers, clientId: 'baton-bench', topicPrefix: `${run}.` });
const leads = Array.from({ length: 1000 }, (_, i) => `hubspot:contact:${100000 + i}`);

function engagement(i: number, sentAt = Date.now()): LeadEngagement {
  const leadId = leads[i % leads.length];
  return {
    leadId,
    crm: { provider: 'hubspot', objectType: 'contact', id: leadId.split(':')[2] },
    kind: i % 7 === 0 ? 'pricing_page_viewed' : 'page_viewed',
    occurredAt: new Date(sentAt).toISOString(),
    sourceEventId: `bench-${i}`,
    detail: {
      url: `https://www.example.com/resources/${i % 50}`,
      title: 'Resource page',
      properties: { sentAt: String(sentAt) },
    },
  };
}

const newEvent = (i: number, sentAt?: number): NewEvent<TopicName> => {
  const data = engagement(i, sentAt);
  return { topic: Topics.LeadEngagement, subject: data.leadId, data };
};

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const results: [string, string][] = [];
const report = (name: string, value: string) => {
  results.push([name, value]);
  console.log(`  ${name.padEnd(58)} ${value}`);
};

async function paced(count: number, perSecond: number, send: (i: number) => Promise<void>): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    void send(i);
  }
}

async function rawFloor(): Promise<{ consumeRate: number }> {
  console.log(
    `raw kafkajs (floor): ${fmt(N)} CloudEvents of ~${JSON.stringify(makeEvent('baton/bench', newEvent(0))).length} bytes`,
  );
  const topic = kafka.physical('raw.v1');
  const admin = kafka.client.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: 3 },
      { topic: `${topic}.lat`, numPartitions: 3 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const values = Array.from({ length: N }, (_, i) => {
    const e = makeEvent('baton/bench', newEvent(i));
    return { key: e.subject, value: JSON.stringify(e) };
  });
  let t = performance.now();
  for (let i = 0; i < N; i += 1000)
    await producer.send({ topic, acks: -1, messages: values.slice(i, i + 1000) });
  report(
    'raw produce (acks=all, idempotent, batches of 1000)',
    `${fmt(N / ((performance.now() - t) / 1000))} msg/s`,
  );

  const consumer = kafka.client.consumer({ groupId: `${run}-raw`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let got = 0;
  let first = 0;
  const rate = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (!first) first = performance.now();
        for (const m of batch.messages) JSON.parse(m.value!.toString());
        got += batch.messages.length;
        if (got >= N) resolve(N / ((performance.now() - first) / 1000));
      },
    });
  });
  await consumer.disconnect();
  report('raw consume (eachBatch + JSON.parse)', `${fmt(rate)} msg/s`);

  // Latency at a fixed rate: produce one message at a time, as a live system does.
  const latTopic = `${topic}.lat`;
  const lat: number[] = [];
  const latConsumer = kafka.client.consumer({ groupId: `${run}-rawlat`, maxWaitTimeInMs: 100 });
  // kafkajs defaults (no idempotence, several requests in flight): the lowest latency it offers.
  const latProducer = kafka.client.producer();
  await latProducer.connect();
  await latConsumer.connect();
  await latConsumer.subscribe({ topic: latTopic, fromBeginning: true });
  const total = RATE * LAT_SECONDS;
  const done = new Promise<void>((resolve) => {
    void latConsumer.run({
      // No offset commits: kafkajs's auto-commit waits for one after every batch before the next
      // fetch (5 ms or more on Kafka 4, group.coordinator.append.linger.ms), which is not the floor.
      autoCommit: false,
      eachMessage: async ({ message }) => {
        lat.push(Date.now() - Number(message.headers!.sentAt!.toString()));
        if (lat.length >= total) resolve();
      },
    });
  });
  await new Promise((r) => setTimeout(r, 1000));
  t = performance.now();
  await paced(total, RATE, async (i) => {
    await latProducer.send({
      topic: latTopic,
      acks: -1,
      messages: [
        { key: leads[i % leads.length], value: values[i % N].value, headers: { sentAt: String(Date.now()) } },
      ],
    });
  });
  await done;
  await latConsumer.disconnect();
  await latProducer.disconnect();
  await producer.disconnect();
  report(
    `raw end-to-end latency at ${RATE}/s: p50 / p99`,
    `${percentile(lat, 50)} ms / ${percentile(lat, 99)} ms`,
  );
  return { consumeRate: rate };
}

async function library(rawConsumeRate: number): Promise<void> {
  console.log(`\nthrough the Baton libraries: ${fmt(N)} events`);
  const schema = run;
  const ds = await openServiceDatabase({ url: dbUrl, schema });
  await provisionTopics(kafka, [Topics.LeadEngagement], { partitions: 3, replicationFactor: 1 });
  const publisher = new EventPublisher(kafka, 'baton/bench');
  await publisher.connect();
  const outbox = new Outbox('baton/bench', schema);

  let t = performance.now();
  for (let i = 0; i < N; i += 500) {
    await ds.transaction((em) =>
      outbox.enqueue(
        em,
        Array.from({ length: Math.min(500, N - i) }, (_, k) => newEvent(i + k)),
      ),
    );
  }
  report(
    'outbox enqueue (validated, 500 per transaction)',
    `${fmt(N / ((performance.now() - t) / 1000))} events/s`,
  );

  const relay = new OutboxRelay(publisher, { url: dbUrl, schema, batchSize: 2000 });
  t = performance.now();
  const relayed = await relay.drain();
  report(
    'outbox relay (read, publish acks=all, delete)',
    `${fmt(relayed / ((performance.now() - t) / 1000))} events/s`,
  );

  const processed = new ProcessedEvents('bench', schema);
  const consumePass = async (label: string, dedupe: boolean): Promise<number> => {
    const consumer = new EventConsumer(kafka, {
      groupId: `${run}-lib-${dedupe ? 'dedupe' : 'validate'}`,
      source: 'baton/bench',
      maxBatchSize: 2000,
      maxWaitTimeMs: 100,
    });
    let got = 0;
    let first = 0;
    let applied = 0;
    const rate = await new Promise<number>((resolve) => {
      consumer.onBatch(Topics.LeadEngagement, async (items) => {
        if (!first) first = performance.now();
        if (!dedupe) applied += items.length;
        else
          await ds.transaction(async (em) => {
            const fresh = await processed.claimMany(
              em,
              items.map((i) => i.event.id),
            );
            applied += fresh.size;
          });
        got += items.length;
        if (got >= N) resolve(N / ((performance.now() - first) / 1000));
      });
      void consumer.start();
    });
    await consumer.stop();
    if (applied !== N) console.log(`  WARNING: applied ${applied} of ${N}`);
    report(label, `${fmt(rate)} events/s  (${Math.round((rate / rawConsumeRate) * 100)} % of raw)`);
    return rate;
  };
  await consumePass('consume: schema-validated (EventConsumer batch handler)', false);
  await consumePass('consume: validated + deduped (claim in a PG transaction)', true);

  // End-to-end latency: commit in the outbox -> NOTIFY -> relay -> Kafka -> handler.
  await relay.start();
  const lat: number[] = [];
  const total = RATE * LAT_SECONDS;
  const latConsumer = new EventConsumer(kafka, {
    groupId: `${run}-liblat`,
    source: 'baton/bench',
    maxWaitTimeMs: 100,
    fromBeginning: false,
  });
  const done = new Promise<void>((resolve) => {
    latConsumer.on(Topics.LeadEngagement, async (event) => {
      const sentAt = Number(event.data.detail.properties?.sentAt);
      if (event.data.sourceEventId.startsWith('lat-')) lat.push(Date.now() - sentAt);
      if (lat.length >= total) resolve();
    });
  });
  await latConsumer.start();
  await new Promise((r) => setTimeout(r, 1500));
  await paced(total, RATE, async (i) => {
    const e = newEvent(N + i, Date.now());
    (e.data as LeadEngagement).sourceEventId = `lat-${i}`;
    await ds.transaction((em) => outbox.enqueue(em, [{ ...e, id: randomUUID() }]));
  });
  await done;
  report(
    `outbox commit -> handler latency at ${RATE}/s: p50 / p99`,
    `${percentile(lat, 50)} ms / ${percentile(lat, 99)} ms`,
  );
  await latConsumer.stop();
  await relay.stop();
  await publisher.disconnect();
  await ds.destroy();
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  await c.query(`DROP SCHEMA ${schema} CASCADE`);
  await c.end();
}

const { consumeRate } = await rawFloor();
await library(consumeRate);
const admin = kafka.client.admin();
await admin.connect();
await admin
  .deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(run)) })
  .catch(() => undefined);
await admin.disconnect();
console.log(
  `\nmachine: ${(await import('node:os')).cpus().length} cores, node ${process.version}; broker ${brokers.join(',')}`,
);
process.exit(0);
