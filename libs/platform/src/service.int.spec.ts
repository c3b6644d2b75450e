import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { EventPublisher, createKafka, provisionTopics } from '@baton/kafka';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';

const env = isolatedEnv('shutdown');
const schema = env.DATABASE_SCHEMA!;
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS,
  clientId: 'baton-test',
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
});
const group = `slow-${schema}`;
// The runtime namespaces consumer groups by the topic prefix.
const physicalGroup = `${env.KAFKA_TOPIC_PREFIX}${group}`;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await dropSchema(schema);
});

type Exit = { code: number | null; signal: NodeJS.Signals | null; output: string };
type Started = { child: ChildProcess; exited: Promise<Exit>; port: Promise<number> };

/** Nest's shutdown hooks close the app and then re-raise the signal, so a clean stop ends by SIGTERM. */
const cleanStop = (e: Exit) => e.code === 0 || (e.code === null && e.signal === 'SIGTERM');

/** Starts the service on a port the system picks (PORT=0), read back from its "listening" log line. */
function startService(): Started {
  const child = spawn(
    process.execPath,
    [
      '--import',
      '@swc-node/register/esm-register',
      fileURLToPath(new URL('../test/slow-service.ts', import.meta.url)),
    ],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: env.KAFKA_BROKERS.join(','),
        KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX,
        KAFKA_TOPIC_PARTITIONS: '1',
        DATABASE_URL: env.DATABASE_URL,
        DATABASE_SCHEMA: schema,
        PORT: '0',
        LOG_LEVEL: 'info',
        GROUP_ID: group,
        HANDLE_MS: '300',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
  const port = new Promise<number>((resolve, reject) => {
    const look = () => {
      const m = /"msg":"listening"[^\n]*"port":(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    void exited.then((e) => reject(new Error(`the service exited before listening:\n${e.output}`)));
  });
  port.catch(() => undefined);
  return { child, exited, port };
}

const handledCount = async () =>
  (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.handled`).catch(() => [{ n: 0 }]))[0]
    .n;

async function committedOffset(): Promise<number> {
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({
      groupId: physicalGroup,
      topics: [kafka.physical(Topics.LeadActivity)],
    });
    return t.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('a Baton service process', () => {
  it('serves health and metrics, and on SIGTERM finishes the message in flight, commits it and leaves', async () => {
    await provisionTopics(kafka, [Topics.LeadActivity], { partitions: 1, replicationFactor: 1 });
    const publisher = new EventPublisher(kafka, 'baton/test');
    await publisher.connect();
    const lead = 'hubspot:contact:808';
    await publisher.publish(
      Array.from({ length: 10 }, (_, n) => ({
        topic: Topics.LeadActivity,
        subject: lead,
        data: {
          leadId: lead,
          crm: { provider: 'hubspot' as const, objectType: 'contact', id: '808' },
          kind: 'call_logged' as const,
          occurredAt: new Date(Date.UTC(2026, 10, 20, 9, n)).toISOString(),
          sourceEventId: `call-${n}`,
        },
      })),
    );
    await publisher.disconnect();

    const first = startService();
    const port = await first.port;
    const ready = await waitFor(
      async () => {
        const r = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
        return r?.status === 200 ? ((await r.json()) as { checks: Record<string, string> }) : undefined;
      },
      60_000,
      'readiness',
    );
    expect(ready.checks).toEqual({ database: 'up', kafka: 'up' });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);

    await waitFor(async () => (await handledCount()) >= 3, 30_000, 'three handled');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('baton_consumer_messages_total');
    expect(metrics).toContain('service="slow-service"');

    first.child.kill('SIGTERM');
    const stop = await first.exited;
    expect(cleanStop(stop), stop.output).toBe(true);
    expect(stop.output).not.toMatch(/"level":"error"/);
    const handled = await handledCount();
    expect(handled).toBeGreaterThanOrEqual(3);
    expect(handled).toBeLessThan(10);
    // Everything handled was committed, and nothing was committed that was not handled.
    expect(await committedOffset()).toBe(handled);

    const second = startService();
    await waitFor(async () => (await handledCount()) === 10, 60_000, 'the rest handled after restart');
    second.child.kill('SIGTERM');
    expect(cleanStop(await second.exited)).toBe(true);
    const rows = await query<{ source_event_id: string }>(
      `SELECT source_event_id FROM ${schema}.handled ORDER BY source_event_id`,
    );
    expect(rows.map((r) => r.source_event_id)).toEqual(Array.from({ length: 10 }, (_, n) => `call-${n}`));
    expect(await committedOffset()).toBe(10);
  });
});
