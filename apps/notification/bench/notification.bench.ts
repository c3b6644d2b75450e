/**
 * Notification's figures on the real broker and Postgres, beside the raw kafkajs floor of the same run.
 *
 *   npx nx run notification:bench        (BENCH_ALERTS=5000 for the throughput, BENCH_RATE_SECONDS=10)
 *
 * 1. raw kafkajs: N lead.assigned-sized messages produced (acks=all) and consumed with a no-op
 *    eachBatch (rawKafkaFloor: the ceiling on this broker and machine), then produce → consume
 *    latency at 100 msg/s;
 * 2. alerts/s: N lead.assigned already on the topic, one notification instance consuming them, each
 *    delivered as a Slack DM to the Slack fake (its own process; no rate limits, no latency): from the
 *    first DM to the Nth;
 * 3. latency at 100 alerts/s: lead.assigned published → chat.postMessage received by the fake, p50/p99.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Topics, makeEvent } from '@baton/domain';
import { EventPublisher, createKafka, provisionTopics } from '@baton/kafka';
import { JsonLogger } from '@baton/observability';
import { startTestService, withKafkaRetry } from '@baton/service-testing';
import { dropSchema, isolatedEnv, percentile, rawKafkaFloor } from '@baton/testing';
import { notificationService } from '../src/notification.service.js';
import { assignedEvent, leadAssigned, policyWith } from '../test/harness.js';

const N = Number(process.env.BENCH_ALERTS ?? 5_000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const RATE = 100;
JsonLogger.configure({ level: 'error' });
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function event(i: number, prefix: string) {
  return assignedEvent(
    leadAssigned(i, (a) => {
      a.rep.slackUserId = `U${prefix}${i}`;
      a.rep.repId = `rep-${prefix}-${i}`;
      a.rep.channels = ['slack'];
    }),
    `bench-${prefix}-${i}`,
  );
}

/** Produce → consume latency at 100 msg/s with plain kafkajs (nothing of Baton in between). */
async function rawLatency(
  env: ReturnType<typeof isolatedEnv>,
  payload: string,
): Promise<{ p50: number; p99: number }> {
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'bench-raw',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  const topic = kafka.physical('bench.latency');
  const admin = kafka.client.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: env.KAFKA_TOPIC_PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.client.consumer({ groupId: `bench-latency-${Date.now()}`, maxWaitTimeInMs: 10 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const latencies: number[] = [];
  void consumer.run({
    eachMessage: async ({ message }) => {
      latencies.push(performance.now() - Number(message.headers?.sent?.toString()));
      await Promise.resolve();
    },
  });
  const count = RATE * RATE_SECONDS;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * (1000 / RATE) - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: `k${i}`, value: payload, headers: { sent: String(performance.now()) } }],
    });
  }
  const deadline = Date.now() + 30_000;
  while (latencies.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  await producer.disconnect();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * The Slack fake in a process of its own (libs/chat-sandbox's CLI), as Slack is: its HTTP work
 * is not on notification's event loop. Its calls are read back over HTTP.
 */
async function slackFakeProcess() {
  const cli = fileURLToPath(new URL('../../../libs/chat-sandbox/src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', cli], {
    env: {
      ...process.env,
      SLACK_SANDBOX_PORT: '0',
      TEAMS_SANDBOX_PORT: '0',
      SMTP_SANDBOX_PORT: '0',
      INBOX_SANDBOX_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const apiUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^SLACK_API_URL=(\S+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`the Slack fake exited (${code}):\n${out}`)));
  });
  const base = apiUrl.replace(/\/api\/$/, '');
  let seen: { method: string; status: number; at: number; channel: string }[] = [];
  return {
    apiUrl,
    /** Successful chat.postMessage calls so far (time at the fake, channel). */
    posts: async () => {
      const more = (await (await fetch(`${base}/_sandbox/calls?from=${seen.length}`)).json()) as typeof seen;
      seen = [...seen, ...more];
      return seen.filter((c) => c.method === 'chat.postMessage' && c.status === 200);
    },
    stop: () => child.kill('SIGTERM'),
  };
}

async function main(): Promise<void> {
  const env = isolatedEnv('bench-notification', { KAFKA_TOPIC_PARTITIONS: 6 });
  const sample = JSON.stringify(makeEvent('baton/routing', event(0, 'x')));
  console.log(
    `notification benchmark: ${fmt(N)} alerts for throughput, ${RATE}/s for ${RATE_SECONDS} s for latency, ${env.KAFKA_TOPIC_PARTITIONS} partitions; lead.assigned ~${sample.length} bytes`,
  );
  const floor = await rawKafkaFloor(
    env,
    Array.from({ length: N }, (_, i) => ({ key: `hubspot:contact:${i}`, value: sample })),
  );
  const raw = { consume: floor.consume, ...(await rawLatency(env, sample)) };

  const slack = await slackFakeProcess();
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'bench-routing',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(kafka, [Topics.LeadAssigned], {
    partitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: 1,
  });
  const publisher = new EventPublisher(kafka, 'baton/routing');
  await publisher.connect();
  for (let i = 0; i < N; i += 500)
    await withKafkaRetry(() =>
      publisher.publish(Array.from({ length: Math.min(500, N - i) }, (_, j) => event(i + j, 't'))),
    );

  const service = await startTestService(notificationService, {
    base: env,
    policy: policyWith((p) => (p.policy.introEmail.enabled = false)),
    env: {
      SLACK_BOT_TOKEN: 'xoxb-sandbox-token',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      NOTIFICATION_SLACK_CHANNEL_INTERVAL_MS: '0',
      NOTIFICATION_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '64',
    },
  });
  const deadline = Date.now() + 300_000;
  while ((await slack.posts()).length < N) {
    if (Date.now() > deadline)
      throw new Error(`only ${(await slack.posts()).length} of ${N} alerts in 5 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const calls = await slack.posts();
  const alertsPerSecond = (N - 1) / ((calls[N - 1].at - calls[0].at) / 1000);

  // 100 alerts/s: published → chat.postMessage at the fake.
  const count = RATE * RATE_SECONDS;
  const sentAt = new Map<string, number>();
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + i * (1000 / RATE);
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const e = event(i, 'r');
    sentAt.set(`Ur${i}`, Date.now());
    await publisher.publish([e]);
  }
  const latencyDeadline = Date.now() + 60_000;
  const rateCalls = async () => (await slack.posts()).filter((c) => c.channel.startsWith('Ur'));
  while ((await rateCalls()).length < count && Date.now() < latencyDeadline)
    await new Promise((r) => setTimeout(r, 200));
  const latencies = (await rateCalls()).map((c) => c.at - sentAt.get(c.channel)!);
  await publisher.disconnect();
  await service.stop();
  slack.stop();
  await dropSchema(env.DATABASE_SCHEMA!);

  const rows: [string, string][] = [
    ['raw kafkajs consume (no-op eachBatch)', `${fmt(raw.consume)} msg/s`],
    [
      `raw kafkajs produce → consume at ${RATE} msg/s, p50 / p99`,
      `${raw.p50.toFixed(1)} / ${raw.p99.toFixed(1)} ms`,
    ],
    ['notification: alerts delivered to the Slack fake', `${fmt(alertsPerSecond)} alerts/s`],
    [
      `notification: lead.assigned → chat.postMessage at ${RATE}/s, p50 / p99`,
      `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v.padStart(20)}`);
  console.log(`  (${latencies.length} of ${count} alerts measured for latency)`);
  console.log(
    `  targets: p99 <= 30 ms ${percentile(latencies, 99) <= 30 ? 'met' : 'NOT met'}; >= 1,000 alerts/s ${alertsPerSecond >= 1000 ? 'met' : 'NOT met'}`,
  );
}

await main();
process.exit(0);
