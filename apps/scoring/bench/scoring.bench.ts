// Scoring benchmark: prints the raw kafkajs produce -> consume floor on this broker next to
// engagement events/s through the scoring service (consume -> score -> persist -> outbox), and
// the p99 time from an event on lead.engagement.v1 to its lead.qualified.v1 at 500 events/s.
//
//   npx nx run scoring:bench        (BENCH_EVENTS, BENCH_LATENCY_SECONDS, BENCH_RATE to change the run)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import type { Producer } from 'kafkajs';
import {
  Topics,
  makeEvent,
  topicsOf,
  type EngagementKind,
  type LeadEngagement,
  type LeadProfile,
} from '@baton/domain';
import { createKafka, provisionTopics, toRecord } from '@baton/kafka';
import { JsonLogger } from '@baton/observability';
import { prepareService } from '@baton/platform';
import { startTestService, testEnvOf } from '@baton/service-testing';
import { dropSchema, isolatedEnv, percentile, query, uniqueName } from '@baton/testing';
import { scoringService } from '../src/scoring.service.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 500);
// BENCH_CPU_PROFILE=<dir> writes a .cpuprofile of the throughput and the latency phase.
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
const PARTITIONS = 6;
const EVENTS_PER_LEAD = 10;

JsonLogger.configure({ level: 'error' });
const base = isolatedEnv('bench', { KAFKA_TOPIC_PARTITIONS: PARTITIONS, LOG_LEVEL: 'error' });
const settings = {
  SCORING_CONSUMER_GROUP: uniqueName('bench-scoring'),
  // Tuning knobs pass through (SCORING_CONSUMER_BATCH, SCORING_CONSUMER_TRANSACTIONS, SCORING_SIGNAL_CACHE_LEADS…).
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SCORING_'))),
};
// What the service will run with (validated as main does), for the figures' legend.
const { env, consumer: consumerSettings } = prepareService(scoringService, testEnvOf(base, settings));
const schema = env.DATABASE_SCHEMA!;
// The client the services build (same socket and retry settings); its warnings go to the JSON
// log, which is set to errors only above.
const connection = createKafka({
  clientId: 'scoring-bench',
  brokers: env.KAFKA_BROKERS,
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
});
const kafka = connection.client;
const physical = (t: string) => connection.physical(t);

function leadId(n: number): string {
  return `hubspot:contact:${n}`;
}

const PAGES = [
  '/product/sso',
  '/product/audit',
  '/docs/setup',
  '/blog/zero-trust',
  '/customers',
  '/integrations/okta',
];

/** A realistic signal mix: mostly page views and e-mail, some downloads, a few hand-raisers. */
function engagementFor(lead: number, n: number, now: number): LeadEngagement {
  const id = leadId(lead);
  const occurredAt = new Date(now - (EVENTS_PER_LEAD - n) * 3_600_000).toISOString();
  const pick = (lead * 31 + n * 7) % 20;
  const kind: EngagementKind =
    pick < 9
      ? 'page_viewed'
      : pick < 12
        ? 'email_opened'
        : pick < 14
          ? 'email_clicked'
          : pick < 17
            ? 'content_downloaded'
            : pick < 19
              ? 'pricing_page_viewed'
              : 'demo_requested';
  return {
    leadId: id,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(lead) },
    kind,
    occurredAt,
    sourceEventId: `${id}#${n}`,
    detail:
      kind === 'content_downloaded'
        ? { title: 'Security whitepaper', contentTag: 'security' }
        : { url: `https://acme.example${PAGES[(lead + n) % PAGES.length]}` },
  };
}

function profileFor(lead: number, now: number): LeadProfile {
  const id = leadId(lead);
  return {
    leadId: id,
    crm: {
      provider: 'hubspot',
      objectType: 'contact',
      id: String(lead),
      url: `https://app.hubspot.com/contacts/1/record/0-1/${lead}`,
    },
    change: 'created',
    occurredAt: new Date(now - 30 * 86_400_000).toISOString(),
    identity: {
      fullName: `Lead ${lead}`,
      email: `lead${lead}@acme.example`,
      company: 'Acme',
      title: lead % 3 ? 'Engineer' : 'VP Engineering',
      country: 'DE',
    },
    firmographics: { employees: 300 + (lead % 5000), industry: 'Software' },
  };
}

function engagementRecord(e: LeadEngagement) {
  const r = toRecord(
    Topics.LeadEngagement,
    makeEvent('baton/crm-connector', { topic: Topics.LeadEngagement, subject: e.leadId, data: e }),
  );
  return { key: r.key, value: r.value, headers: r.headers };
}

async function sendAll(
  producer: Producer,
  topic: string,
  messages: { key: string; value: string; headers?: Record<string, string> }[],
) {
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: messages.slice(i, i + 2000) }] });
  }
}

/** Profiles one phase of this process when BENCH_CPU_PROFILE is set; call the result to stop. */
async function startProfile(phase: string): Promise<() => Promise<void>> {
  if (!PROFILE_DIR) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${PROFILE_DIR}/scoring-${phase}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * CPU seconds used so far by every process whose command name matches (Linux /proc; 0 elsewhere).
 * Postgres and the broker share the machine's cores with the service, so their CPU per event is
 * part of what one event costs.
 */
function processCpuSeconds(comm: RegExp): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!comm.test(name)) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return 0;
  }
  return ticks / 100; // USER_HZ
}

async function count(sql: string): Promise<number> {
  return Number((await query<{ n: string }>(sql))[0].n);
}

/** A fresh topic of PARTITIONS partitions and a connected idempotent producer, for the raw figures. */
async function rawTopic(name: string): Promise<{ topic: string; producer: Producer }> {
  const topic = physical(name);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return { topic, producer };
}

async function rawFloor(
  messages: { key: string; value: string }[],
): Promise<{ produce: number; consume: number }> {
  const { topic, producer } = await rawTopic('bench.raw');
  const p0 = performance.now();
  await sendAll(producer, topic, messages);
  const produce = messages.length / ((performance.now() - p0) / 1000);
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('bench-raw'), maxBytesPerPartition: 1_048_576 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let c0 = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        if (c0 === 0) c0 = performance.now();
        seen += batch.messages.length;
        if (seen >= messages.length) resolve();
      },
    });
  });
  await done;
  const consume = messages.length / ((performance.now() - c0) / 1000);
  await consumer.disconnect();
  return { produce, consume };
}

/**
 * One Kafka hop on its own: RATE messages/s produced (acks=all) to a 6-partition topic and read
 * by a consumer doing nothing, p50/p99 from send to eachBatch. Once as kafkajs ships (an offset
 * commit after every batch, waited for before the next fetch) and once committing off the
 * fetch loop as Baton's consumers do.
 */
async function rawHopLatency(autoCommit: boolean): Promise<{ p50: number; p99: number }> {
  const { topic, producer } = await rawTopic(`bench.hop.${autoCommit ? 'auto' : 'off'}`);
  const consumer = kafka.consumer({ groupId: uniqueName('bench-hop'), maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    autoCommit,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch, resolveOffset }) => {
      const t = performance.now();
      for (const m of batch.messages) {
        const t0 = sentAt.get(m.value!.toString());
        if (t0 !== undefined) lat.push(t - t0);
        resolveOffset(m.offset);
      }
    },
  });
  await joined;
  await new Promise((r) => setTimeout(r, 1000));
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  const ticks = Math.round((Math.min(LATENCY_SECONDS, 5) * 1000) / tickMs);
  const t0 = performance.now();
  let n = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const wait = t0 + tick * tickMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const messages = Array.from({ length: perTick }, () => {
      const value = String(n++);
      return { key: leadId(n % 997), value };
    });
    const now = performance.now();
    for (const m of messages) sentAt.set(m.value, now);
    await producer.send({ topic, acks: -1, messages });
  }
  const deadline = Date.now() + 10_000;
  while (lat.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  await producer.disconnect();
  return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function main(): Promise<void> {
  const now = Date.now();
  const leads = Math.ceil(EVENTS / EVENTS_PER_LEAD);
  const engagements: LeadEngagement[] = [];
  // Interleave leads, as real traffic does: one signal of each lead, then the next round.
  for (let n = 0; n < EVENTS_PER_LEAD; n++)
    for (let l = 0; l < leads; l++) engagements.push(engagementFor(l, n, now));
  const records = engagements.slice(0, EVENTS).map(engagementRecord);
  const avgBytes = Math.round(records.reduce((a, r) => a + r.value.length, 0) / records.length);

  console.log(
    `scoring benchmark: ${cpus().length} cpu(s) ${cpus()[0]?.model ?? ''}, load average ${loadavg()[0].toFixed(1)}, ${PARTITIONS} partitions, ${records.length} engagement events (${avgBytes} B each) over ${leads} leads`,
  );

  // 1. The floor: plain kafkajs on the same broker, same message sizes, no work per message.
  const floor = await rawFloor(records);
  console.log(
    `raw kafkajs floor:        produce ${floor.produce.toFixed(0)} msg/s, consume ${floor.consume.toFixed(0)} msg/s`,
  );

  const hop = await rawHopLatency(false);
  const hopAuto = await rawHopLatency(true);
  console.log(
    `raw kafkajs hop at ${RATE}/s:  p50 ${hop.p50.toFixed(1)} ms, p99 ${hop.p99.toFixed(1)} ms (offsets committed off the fetch loop, as Baton does); ` +
      `with kafkajs auto-commit after every batch p50 ${hopAuto.p50.toFixed(1)} ms, p99 ${hopAuto.p99.toFixed(1)} ms. engagement -> lead.qualified is two hops`,
  );

  // 2. Throughput: the backlog is on the topic before the service starts (its topics as the
  // service provisions them).
  await provisionTopics(connection, topicsOf(scoringService.name), {
    partitions: PARTITIONS,
    replicationFactor: 1,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const profiles = Array.from({ length: leads }, (_, l) => profileFor(l, now)).map((p) => {
    const r = toRecord(
      Topics.LeadProfile,
      makeEvent('baton/crm-connector', { topic: Topics.LeadProfile, subject: p.leadId, data: p }),
    );
    return { key: r.key, value: r.value, headers: r.headers };
  });
  await sendAll(producer, physical(Topics.LeadProfile), profiles);
  await sendAll(producer, physical(Topics.LeadEngagement), records);
  let handled = 0;
  let first = 0;
  // Engagement batches seen by the service during the latency run: size and handling time.
  let latencyRun = false;
  const batchSizes: number[] = [];
  const batchMs: number[] = [];
  // CPU counted from the first batch on: start-up (migrations, group join) is not per event.
  let cpu0 = process.cpuUsage();
  let pg0 = 0;
  let broker0 = 0;
  const service0 = await startTestService(scoringService, { base, env: settings });
  // Attached before any fetch can have answered: the consumer's first fetch is sent once start resolves.
  const consumer = service0.transport!.eventConsumer!.raw;
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    if (e.payload.topic !== physical(Topics.LeadEngagement)) return;
    handled += e.payload.batchSize;
    if (latencyRun) {
      batchSizes.push(e.payload.batchSize);
      batchMs.push(e.payload.duration);
    }
  });
  consumer.on(consumer.events.START_BATCH_PROCESS, () => {
    if (first !== 0) return;
    pg0 = processCpuSeconds(/^postgres/);
    broker0 = processCpuSeconds(/^java$/);
    cpu0 = process.cpuUsage();
    first = performance.now();
  });
  const total = records.length + profiles.length;
  const stopThroughputProfile = await startProfile('throughput');
  for (;;) {
    if ((await count(`SELECT count(*) AS n FROM ${schema}.processed_event`)) >= total) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopThroughputProfile();
  const seconds = (performance.now() - first) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pgCpu = processCpuSeconds(/^postgres/) - pg0;
  const brokerCpu = processCpuSeconds(/^java$/) - broker0;
  const qualified = await count(`SELECT count(*) AS n FROM ${schema}.qualification`);
  console.log(
    `scoring service:          ${(total / seconds).toFixed(0)} events/s consume -> score -> persist -> outbox (${total} events incl. ${profiles.length} profiles in ${seconds.toFixed(1)} s; ${qualified} leads qualified; ${handled} engagement messages)`,
  );
  const cpuPerEvent = (cpu.user + cpu.system) / total;
  console.log(
    `  service process CPU:    ${cpuPerEvent.toFixed(0)} µs/event (${(1e6 / cpuPerEvent).toFixed(0)} events/s per core for the Node process alone; Postgres and the broker are extra), batch ${consumerSettings.batch}, ${consumerSettings.transactions} transactions concurrently`,
  );
  if (pgCpu + brokerCpu > 0)
    console.log(
      `  beside it, per event:    Postgres ${((pgCpu * 1e6) / total).toFixed(0)} µs, Kafka broker ${((brokerCpu * 1e6) / total).toFixed(0)} µs of CPU (every process of that name on the machine; ${cpus().length} cores in all)`,
    );
  await service0.runtime.flushOutbox();

  // 3. Latency at RATE events/s: leads primed with two high-intent signals get the third one.
  const primed = Math.ceil((RATE * LATENCY_SECONDS) / 5);
  const base2 = 1_000_000;
  const priming: { key: string; value: string; headers: Record<string, string> }[] = [];
  for (let i = 0; i < primed; i++) {
    const id = leadId(base2 + i);
    const crm = { provider: 'hubspot' as const, objectType: 'contact', id: String(base2 + i) };
    const p = profileFor(base2 + i, now);
    const r = toRecord(
      Topics.LeadProfile,
      makeEvent('baton/crm-connector', { topic: Topics.LeadProfile, subject: id, data: p }),
    );
    await producer
      .sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic: physical(Topics.LeadProfile),
            messages: [{ key: r.key, value: r.value, headers: r.headers }],
          },
        ],
      })
      .catch(() => undefined);
    priming.push(
      engagementRecord({
        leadId: id,
        crm,
        kind: 'pricing_page_viewed',
        occurredAt: new Date(now - 7_200_000).toISOString(),
        sourceEventId: `${id}#p`,
        detail: { url: 'https://acme.example/pricing' },
      }),
      engagementRecord({
        leadId: id,
        crm,
        kind: 'content_downloaded',
        occurredAt: new Date(now - 3_600_000).toISOString(),
        sourceEventId: `${id}#c`,
        detail: { title: 'Security whitepaper', contentTag: 'security' },
      }),
    );
  }
  await sendAll(producer, physical(Topics.LeadEngagement), priming);
  for (;;) {
    if ((await count(`SELECT count(*) AS n FROM ${schema}.processed_event`)) >= total + primed * 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await service0.runtime.flushOutbox();

  const sentAt = new Map<string, number>();
  const sentWall = new Map<string, number>();
  const latencies: number[] = [];
  const reader = kafka.consumer({ groupId: uniqueName('bench-latency'), maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topic: physical(Topics.LeadQualified), fromBeginning: false });
  const joined = new Promise<void>((resolve) => reader.on(reader.events.GROUP_JOIN, () => resolve()));
  await reader.run({
    // A probe: it commits nothing, so no offset commit ever delays its next fetch.
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const t = performance.now();
      const lead = message.key?.toString();
      const t0 = lead ? sentAt.get(lead) : undefined;
      if (t0 !== undefined) latencies.push(t - t0);
    },
  });
  await joined;
  await new Promise((r) => setTimeout(r, 1000));

  const tickMs = 10;
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  const ticks = Math.round((LATENCY_SECONDS * 1000) / tickMs);
  let sent = 0;
  let qualifier = 0;
  const stopLatencyProfile = await startProfile('latency');
  latencyRun = true;
  const t0 = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    const due = t0 + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch: { key: string; value: string; headers: Record<string, string> }[] = [];
    const keys: string[] = [];
    for (let i = 0; i < perTick; i++, sent++) {
      if (sent % 5 === 0 && qualifier < primed) {
        const id = leadId(base2 + qualifier++);
        const crm = { provider: 'hubspot' as const, objectType: 'contact', id: id.split(':')[2] };
        batch.push(
          engagementRecord({
            leadId: id,
            crm,
            kind: 'demo_requested',
            occurredAt: new Date().toISOString(),
            sourceEventId: `${id}#d`,
            detail: { formId: 'demo', title: 'Book a demo' },
          }),
        );
        keys.push(id);
      } else {
        batch.push(engagementRecord(engagementFor(sent % leads, 100 + Math.floor(sent / leads), Date.now())));
      }
    }
    const start = performance.now();
    const wall = Date.now();
    for (const k of keys) {
      sentAt.set(k, start);
      sentWall.set(k, wall);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic: physical(Topics.LeadEngagement), messages: batch }],
    });
  }
  const elapsed = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 15_000;
  while (latencies.length < qualifier && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  console.log(
    `latency at ${RATE}/s:        ${sent} events in ${elapsed.toFixed(1)} s (${(sent / elapsed).toFixed(0)}/s), ${latencies.length}/${qualifier} qualifications seen; ` +
      `engagement -> lead.qualified p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
  );

  latencyRun = false;
  await stopLatencyProfile();
  console.log(
    `  engagement batches:     ${batchSizes.length}, size p50 ${percentile(batchSizes, 50)} p99 ${percentile(batchSizes, 99)}, handled in p50 ${percentile(batchMs, 50)} ms p99 ${percentile(batchMs, 99)} ms`,
  );

  // Where the time goes: up to the SQL decision (scoring clock, before the commit) vs the rest
  // (commit, outbox relay, produce, consumer fetch).
  const decided = await query<{ lead_id: string; qualified_at: Date }>(
    `SELECT lead_id, qualified_at FROM ${schema}.qualification WHERE lead_id = ANY($1::text[])`,
    [[...sentWall.keys()]],
  );
  const toDecision = decided.map((d) => d.qualified_at.getTime() - sentWall.get(d.lead_id)!);
  console.log(
    `  of which event -> SQL decided in the service: p50 ${percentile(toDecision, 50).toFixed(0)} ms, p99 ${percentile(toDecision, 99).toFixed(0)} ms (ms clock); load average now ${loadavg()[0].toFixed(1)}`,
  );
  await reader.disconnect();
  await producer.disconnect();
  await service0.stop();
  await dropSchema(schema);
  const admin = kafka.admin();
  await admin.connect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(env.KAFKA_TOPIC_PREFIX));
  await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
}

await main();
