/**
 * SLA figures on the real broker and Postgres, beside the raw kafkajs floor of the same run.
 *
 *   npx nx run sla:bench          (BENCH_TIMERS=100000, BENCH_LATENCY_TIMERS=20000 by default)
 *
 * 1. raw kafkajs: produce and consume N messages the size of an sla.breached event;
 * 2. arming: N lead.assigned already on the topic, one sla instance consuming them; a timer
 *    counts when it is committed with its rungs and its sla.armed event;
 * 3. what arming adds to the lead.assigned consumer: assignments at a steady 200/s, the time of
 *    each arming call through the consumer, p50 / p99; then arming calls of two and bare
 *    transactions that only claim two event ids (what any idempotent consumer does), interleaved
 *    in the same conditions: the difference is what arming adds;
 * 4. firing throughput: the N reminders come due at once (the clock is moved); rungs/s marked
 *    fired with their sla.breached in the outbox, in the same transaction;
 * 5. firing lateness on the real clock: M reminders due over 20 s at a steady rate; scheduled →
 *    sla.breached read back from the broker, p50 / p99.
 */
import { performance } from 'node:perf_hooks';
import { Topics, makeEvent, type CloudEvent, type LeadAssigned, type SlaBreached } from '@baton/domain';
import { createKafka, provisionTopics } from '@baton/kafka';
import { JsonLogger } from '@baton/observability';
import { ManualClock, systemClock, type Clock } from '@baton/platform';
import {
  dropSchema,
  isolatedEnv,
  kafkaFor,
  percentile,
  query,
  rawKafkaFloor,
  uniqueName,
} from '@baton/testing';
import { waitForTopics } from '@baton/service-testing';
import { DeadlinesService } from '../src/deadlines/deadlines.service.js';
import { parseSlaPolicy } from '../src/policy/policy.js';
import { assignment, startSla, upstream } from '../test/harness.js';

const N = Number(process.env.BENCH_TIMERS ?? 100_000);
const M = Number(process.env.BENCH_LATENCY_TIMERS ?? 20_000);
JsonLogger.configure({ level: 'error' });

// One policy on the wall clock so the figures do not depend on the hour the benchmark runs at.
const policy = (windowMs: number) =>
  parseSlaPolicy(`version: bench
policies:
  - id: first_touch
    window: ${windowMs / 1000}s
    clock: wall
    stoppedBy: { activities: [call_logged, email_logged, meeting_logged] }
    ladder:
      - { at: 50%, action: remind_rep }
      - { at: 100%, action: escalate_to_manager }
      - { at: 200%, action: reassign }
`);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function count(sql: string): Promise<number> {
  return Number((await query<{ n: string }>(sql))[0].n);
}

/** Polls until `sql` counts `target`; returns when the count first moved and when it got there. */
async function until(
  sql: string,
  target: number,
  timeoutMs: number,
): Promise<{ first: number; done: number; firstCount: number }> {
  const deadline = Date.now() + timeoutMs;
  let first = 0;
  let firstCount = 0;
  for (;;) {
    const n = await count(sql);
    if (n > 0 && first === 0) {
      first = performance.now();
      firstCount = n;
    }
    if (n >= target) return { first, done: performance.now(), firstCount };
    if (Date.now() > deadline) throw new Error(`only ${n} of ${target} after ${timeoutMs / 1000} s: ${sql}`);
    await sleep(20);
  }
}

/** Times every arming call (the lead.assigned handler's transaction). */
function timeArming(service: DeadlinesService): number[] {
  const times: number[] = [];
  const arm = service.arm.bind(service);
  service.arm = async (events) => {
    const t = performance.now();
    const r = await arm(events);
    times.push(performance.now() - t);
    return r;
  };
  return times;
}

async function armingAndFiring() {
  const env = isolatedEnv('bench-sla', { KAFKA_TOPIC_PARTITIONS: 6 });
  const schema = env.DATABASE_SCHEMA!;
  const t0 = new Date(Date.UTC(2026, 10, 24, 15));
  const clock = new ManualClock(t0);
  const up = await upstream(env);
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'bench',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(kafka, [Topics.LeadAssigned], {
    partitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: 1,
  });
  await waitForTopics(kafka, [Topics.LeadAssigned]);
  // A backlog of N assignments waiting when the service starts (after a deploy, say).
  await up.assigned(Array.from({ length: N }, (_, i) => assignment(i, { at: t0.toISOString() })));
  const sla = await startSla(env, clock, {
    policy: policy(2 * 3_600_000),
    env: { SLA_FIRING_IDLE_MS: '50' },
  });
  const armingTimes = timeArming(sla.get<DeadlinesService>(DeadlinesService));
  const armed = await until(`SELECT count(*) AS n FROM ${schema}.timer`, N, 600_000);
  const armRate = (N - armed.firstCount) / ((armed.done - armed.first) / 1000);
  const backlogCalls = armingTimes.splice(0);

  // Steady 200 assignments/s: what arming adds to each lead.assigned the consumer handles.
  const steady = 2_000;
  const start = Date.now();
  for (let i = 0; i < steady; i += 2) {
    const wait = start + (i / 200) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    await up.assigned(Array.from({ length: 2 }, (_, j) => assignment(N + i + j, { at: t0.toISOString() })));
  }
  await until(`SELECT count(*) AS n FROM ${schema}.timer`, N + steady, 120_000);
  const steadyCalls = armingTimes.splice(0);
  // What arming adds: arming calls of two assignments and bare transactions that only claim two
  // event ids (what any idempotent consumer does), interleaved at 200 assignments/s in the same
  // conditions; the difference is arming's share of the handler.
  const claims = sla.runtime.processed('bench.baseline');
  const service = sla.get<DeadlinesService>(DeadlinesService);
  const directArm: number[] = [];
  const baselineCalls: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const n = N + steady + 2 * i;
    const events = [n, n + 1].map((k) =>
      makeEvent('baton/routing', {
        topic: Topics.LeadAssigned,
        subject: `hubspot:contact:${k}`,
        id: `direct-${k}`,
        data: assignment(k, { at: t0.toISOString() }),
      }),
    );
    let t = performance.now();
    await service.arm(events);
    directArm.push(performance.now() - t);
    t = performance.now();
    await sla.runtime.transaction((em) => claims.claimMany(em, [`baseline-${n}`, `baseline-${n + 1}`]));
    baselineCalls.push(performance.now() - t);
    await sleep(8);
  }
  armingTimes.splice(0);

  // Every reminder due at once: the firing rounds (claim, decide, mark fired, outbox) back to back.
  clock.set(new Date(t0.getTime() + 3_600_000 + 1_000));
  sla.loop.wake();
  const fired = await until(
    `SELECT count(*) AS n FROM ${schema}.timer_rung WHERE rung = 0 AND state = 'fired'`,
    N + steady + 2_000,
    600_000,
  );
  const fireRate = (N + steady + 2_000 - fired.firstCount) / ((fired.done - fired.first) / 1000);
  // The relay has published every event once the outbox is empty.
  await until(`SELECT (count(*) = 0)::int AS n FROM ${schema}.outbox`, 1, 600_000);
  const published = performance.now();
  await sla.stop();
  await up.stop();
  await dropSchema(schema);
  return {
    armRate,
    backlogCalls,
    steadyCalls,
    baselineCalls,
    directArm,
    fireRate,
    fireToBroker: (N + steady + 2_000 - fired.firstCount) / ((published - fired.first) / 1000),
  };
}

async function lateness(): Promise<{ latenessMs: number[]; rate: number }> {
  const env = isolatedEnv('bench-sla-late', { KAFKA_TOPIC_PARTITIONS: 6 });
  const schema = env.DATABASE_SCHEMA!;
  const windowMs = 60_000;
  const clock: Clock = systemClock;
  const sla = await startSla(env, clock, {
    policy: policy(windowMs),
    consume: false,
    env: { SLA_FIRING_IDLE_MS: '1000' },
  });
  const spreadMs = 20_000;
  const lead = 40_000; // the first reminder comes due this long after arming starts
  const begin = Date.now() + lead;
  // Reminder (50 %) of timer i due at begin + i * spread / M: assigned 30 s before that.
  const dueOf = (i: number) => begin + Math.floor((i * spreadMs) / M);
  const events: CloudEvent<LeadAssigned>[] = Array.from({ length: M }, (_, i) =>
    makeEvent('baton/routing', {
      topic: Topics.LeadAssigned,
      subject: `hubspot:contact:${i}`,
      id: `asg-${i}:assigned`,
      data: assignment(i, { at: new Date(dueOf(i) - windowMs / 2).toISOString() }),
    }),
  );
  const service = sla.get<DeadlinesService>(DeadlinesService);
  for (let i = 0; i < M; i += 500) {
    const earliest = await service.arm(events.slice(i, i + 500));
    if (earliest) sla.loop.wake(earliest);
  }
  if (Date.now() > begin)
    throw new Error('arming took longer than the lead time; lower BENCH_LATENCY_TIMERS');
  const kafka = kafkaFor(env);
  const consumer = kafka.client.consumer({ groupId: uniqueName('bench-late'), maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: kafka.physical(Topics.SlaBreached), fromBeginning: true });
  const latenessMs: number[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const e = JSON.parse(m.value!.toString()) as CloudEvent<SlaBreached>;
          if (e.data.rung !== 0) continue;
          const i = Number(e.data.leadId.split(':')[2]);
          latenessMs.push(now - dueOf(i));
        }
        if (latenessMs.length >= M) resolve();
        await Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  await sla.stop();
  await dropSchema(schema);
  return { latenessMs, rate: M / (spreadMs / 1000) };
}

async function main(): Promise<void> {
  const floorEnv = isolatedEnv('bench-sla-raw', { KAFKA_TOPIC_PARTITIONS: 6 });
  const sample = makeEvent('baton/sla', {
    topic: Topics.SlaBreached,
    subject: 'hubspot:contact:1',
    data: {
      leadId: 'hubspot:contact:1',
      timerId: 'asg-1:first_touch',
      assignmentId: 'asg-1',
      policy: 'first_touch',
      rung: 0,
      action: 'remind_rep',
      rep: assignment(1).rep,
      deadline: new Date().toISOString(),
      breachedAt: new Date().toISOString(),
      clock: 'wall',
      lateByMs: 0,
      reassignments: 0,
      lead: {
        name: 'Prospect 1',
        company: 'Company 1',
        score: 72,
        crmUrl: 'https://app.hubspot.com/contacts/1/record/0-1/1',
      },
    },
  });
  const value = JSON.stringify(sample);
  console.log(
    `sla benchmark: ${fmt(N)} timers (3 rungs each), ${floorEnv.KAFKA_TOPIC_PARTITIONS} partitions; sla.breached ~${value.length} bytes`,
  );
  const floor = await rawKafkaFloor(
    floorEnv,
    Array.from({ length: N }, (_, i) => ({ key: `hubspot:contact:${i}`, value })),
  );
  const a = await armingAndFiring();
  const late = await lateness();
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const rows: [string, string][] = [
    ['raw kafkajs produce (acks=all, idempotent)', `${fmt(floor.produce)} msg/s`],
    ['raw kafkajs consume (no-op eachBatch)', `${fmt(floor.consume)} msg/s`],
    [`arming: ${fmt(N)} lead.assigned backlog → timers committed`, `${fmt(a.armRate)} timers/s`],
    [
      'arming call (handler transaction), backlog batches p50 / p99',
      `${ms(percentile(a.backlogCalls, 50))} / ${ms(percentile(a.backlogCalls, 99))}`,
    ],
    [
      'arming call at 200 assignments/s, p50 / p99',
      `${ms(percentile(a.steadyCalls, 50))} / ${ms(percentile(a.steadyCalls, 99))}`,
    ],
    [
      'arming call of 2 (direct) / bare claim + commit, p50',
      `${ms(percentile(a.directArm, 50))} / ${ms(percentile(a.baselineCalls, 50))}`,
    ],
    [
      'arming call of 2 (direct) / bare claim + commit, p99',
      `${ms(percentile(a.directArm, 99))} / ${ms(percentile(a.baselineCalls, 99))}`,
    ],
    [
      '  what arming adds to the handler, p50 / p99',
      `${ms(percentile(a.directArm, 50) - percentile(a.baselineCalls, 50))} / ${ms(percentile(a.directArm, 99) - percentile(a.baselineCalls, 99))}`,
    ],
    [`firing: ${fmt(N)} due rungs, committed with their outbox events`, `${fmt(a.fireRate)} rungs/s`],
    ['firing: until every sla.breached is on the broker', `${fmt(a.fireToBroker)} rungs/s`],
    [
      `lateness at ${fmt(late.rate)} rungs/s, scheduled → on the broker, p50 / p99`,
      `${ms(percentile(late.latenessMs, 50))} / ${ms(percentile(late.latenessMs, 99))}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v.padStart(22)}`);
  console.log(
    `  targets: firing >= 2,000 rungs/s ${a.fireRate >= 2000 ? 'met' : 'NOT met'}; lateness p99 <= 1 s ${
      percentile(late.latenessMs, 99) <= 1000 ? 'met' : 'NOT met'
    }; arming adds <= 5 ms p99 ${
      percentile(a.directArm, 99) - percentile(a.baselineCalls, 99) <= 5 ? 'met' : 'NOT met'
    }`,
  );
}

await main();
process.exit(0);
