import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '@baton/kafka';
import { dropSchema, isolatedEnv, query, waitFor, type TestEnv } from '@baton/testing';
import { fixtureService } from '../test/fixture/fixture.service.js';
import { startTestService, testEnvOf, type TestService } from './test-service.js';

const MAIN = fileURLToPath(new URL('../test/fixture/fixture.main.ts', import.meta.url));
const children: ChildProcess[] = [];
const schemas: string[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of schemas) await dropSchema(s);
});

interface Child {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port: Promise<number>;
}

/** The fixture service's real main (runService) in its own process. */
function run(base: TestEnv, vars: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', MAIN], {
    env: { ...process.env, ...testEnvOf(base, { LOG_LEVEL: 'info', ...vars }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = waitFor(
    async () => /"msg":"listening"[^\n]*"port":(\d+)/.exec(out)?.[1],
    60_000,
    'listening',
  ).then(Number);
  port.catch(() => undefined);
  return { child, output: () => out, exited, port };
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

async function groupMembers(base: TestEnv): Promise<number> {
  const kafka = createKafka({
    brokers: base.KAFKA_BROKERS,
    clientId: 'kit-probe',
    topicPrefix: base.KAFKA_TOPIC_PREFIX,
  });
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([`${base.KAFKA_TOPIC_PREFIX}baton-routing`]);
    return groups[0].members.length;
  } finally {
    await admin.disconnect();
  }
}

const connections = async (schema: string) =>
  (
    await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE $1 OR application_name ILIKE $1`,
      [`%${schema}%`],
    )
  )[0].n;

describe('a service process', () => {
  it('whose start fails half way (the port is taken) releases what it started and exits non-zero', async () => {
    const base = isolatedEnv('kitport');
    schemas.push(base.DATABASE_SCHEMA!);
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const started = Date.now();
      const svc = run(base, { PORT: String(port) });
      const exit = await svc.exited;
      expect(exit.code, svc.output()).toBe(1);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(svc.output()).toContain('EADDRINUSE');
      // The database was migrated (the runtime had started), and nothing of it is left open.
      expect(await query(`SELECT 1 FROM ${base.DATABASE_SCHEMA}.migrations`)).not.toHaveLength(0);
      expect(await groupMembers(base)).toBe(0);
    } finally {
      taken.close();
    }
  });

  it('a bad setting exits 78 naming the key', async () => {
    const svc = run(isolatedEnv('kitcfg'), { ROUTING_CONSUMER_BATCH: 'many' });
    const exit = await svc.exited;
    expect(exit.code).toBe(78);
    expect(svc.output()).toContain('ROUTING_CONSUMER_BATCH');
  });

  it('killed with SIGKILL, is ready again within 10 s of its restart; SIGTERM stops it within 10 s', async () => {
    const base = isolatedEnv('kitkill');
    schemas.push(base.DATABASE_SCHEMA!);
    const first = run(base);
    const port1 = await first.port;
    await waitFor(() => ready(port1), 60_000, 'first start ready');
    first.child.kill('SIGKILL');
    await first.exited;
    const restarted = Date.now();
    const second = run(base);
    const port2 = await second.port;
    await waitFor(() => ready(port2), 20_000, 'ready after restart');
    const readyAfterMs = Date.now() - restarted;
    console.log(`[kit] ready ${readyAfterMs} ms after a restart following kill -9`);
    expect(readyAfterMs).toBeLessThan(10_000);
    const stopping = Date.now();
    second.child.kill('SIGTERM');
    const exit = await second.exited;
    const stopMs = Date.now() - stopping;
    console.log(`[kit] SIGTERM to exit: ${stopMs} ms`);
    expect(exit.code).toBe(0);
    expect(stopMs).toBeLessThan(10_000);
    expect(await groupMembers(base)).toBe(0);
    expect(await connections(base.DATABASE_SCHEMA!)).toBe(0);
  });
});

describe('two replicas starting at once on a new schema', () => {
  it('both migrate and start (migrations run under a lock)', async () => {
    const base = isolatedEnv('kittwo');
    schemas.push(base.DATABASE_SCHEMA!);
    const started: TestService[] = await Promise.all([
      startTestService(fixtureService, { base }),
      startTestService(fixtureService, { base }),
    ]);
    try {
      const applied = await query<{ name: string }>(`SELECT name FROM ${base.DATABASE_SCHEMA}.migrations`);
      expect(applied.map((r) => r.name).filter((n) => n.startsWith('Fixture'))).toEqual([
        'FixtureTables1765000000000',
      ]);
      for (const s of started) expect((await fetch(`${s.url}/health/ready`)).status).toBe(200);
    } finally {
      for (const s of started) await s.stop();
    }
  });
});
