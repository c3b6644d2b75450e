import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '@baton/kafka';
import { dropSchema, isolatedEnv, query, waitFor, type TestEnv } from '@baton/testing';
import { fixtureService } from '../test/fixture/fixture.service.js';
import { killSpawnedServices, spawnService } from './spawn.js';
import { startTestService, type TestService } from './test-service.js';

const MAIN = fileURLToPath(new URL('../test/fixture/fixture.main.ts', import.meta.url));
const schemas: string[] = [];

afterAll(async () => {
  killSpawnedServices();
  for (const s of schemas) await dropSchema(s);
});

function run(base: TestEnv, vars: Record<string, string> = {}) {
  return spawnService(MAIN, base, vars);
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
  it('whose port is taken exits 1 at once, naming EADDRINUSE', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const svc = run(isolatedEnv('kitport'), { PORT: String(port) });
      const exit = await svc.exited;
      expect(exit.code, svc.output()).toBe(1);
      expect(svc.output()).toContain('EADDRINUSE');
    } finally {
      taken.close();
    }
  });

  it('whose start fails half way releases, in reverse order, what it started, and exits 1', async () => {
    const base = isolatedEnv('kithalf');
    schemas.push(base.DATABASE_SCHEMA!);
    const started = Date.now();
    const svc = run(base, { FIXTURE_FAIL_ON_BOOTSTRAP: 'true' });
    const exit = await svc.exited;
    const out = svc.output();
    expect(exit.code, out).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(out).toContain('failing on bootstrap as asked');
    // The runtime had started (the schema is migrated), and each piece was released, last first.
    expect(await query(`SELECT 1 FROM ${base.DATABASE_SCHEMA}.migrations`)).not.toHaveLength(0);
    const released = [...out.matchAll(/"msg":"released"[^\n]*"piece":"([^"]+)"/g)].map((m) => m[1]);
    expect(released).toEqual([
      'nest application',
      'housekeeping',
      'outbox relay',
      'kafka producer',
      'database',
      'runtime',
      'http server',
    ]);
    expect(await connections(base.DATABASE_SCHEMA!)).toBe(0);
  });

  it('answers liveness from the first moment, and readiness "starting", while the broker cannot be reached', async () => {
    const base = isolatedEnv('kitlive');
    schemas.push(base.DATABASE_SCHEMA!);
    const spawned = Date.now();
    const svc = run(base, { KAFKA_BROKERS: '127.0.0.1:1' });
    const port = await svc.port;
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(200);
    console.log(`[kit] liveness answered ${Date.now() - spawned} ms after spawn`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain('starting');
    expect(svc.child.exitCode).toBeNull();
    svc.child.kill('SIGTERM');
    const exit = await svc.exited;
    expect(exit.code).toBe(0);
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
