import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@baton/platform';
import { TEST_API_TOKEN } from '@baton/service-testing';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { RepPauseWorker } from '../src/availability/rep-pause.worker.js';
import { parseSlaPolicy } from '../src/policy/policy.js';
import { HOUR, assignment, startSla, upstream, wallClockPolicyText, type SlaInstance } from './harness.js';

const env = isolatedEnv('sla-pause');
const schema = env.DATABASE_SCHEMA!;
// Tuesday 10:00 in New York; the deadlines (12:00) fall on the rep's Tuesday.
const t0 = new Date('2026-11-24T15:00:00.000Z');
const clock = new ManualClock(t0);
const policy = parseSlaPolicy(
  wallClockPolicyText('pause-test', ['{ at: 100%, action: escalate_to_manager }'], {
    extra: 'repBreachAlert: { breachesPerDay: 2, pauseForTheDay: true }',
  }),
);

/** Routing's admin API as far as pausing goes: Lena is already away for the week. */
const calls: { method: string; path: string; auth?: string; body?: unknown }[] = [];
let routing: Server;
let sla: SlaInstance;
let up: Awaited<ReturnType<typeof upstream>>;

beforeAll(async () => {
  routing = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      calls.push({
        method: req.method!,
        path: req.url!,
        auth: req.headers.authorization,
        body: raw ? (JSON.parse(raw) as unknown) : undefined,
      });
      const away = req.url!.includes('lena.weber');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          away ? { now: { away: true }, awayUntil: '2026-11-30T14:00:00.000Z' } : { now: { away: false } },
        ),
      );
    });
  });
  await new Promise<void>((r) => routing.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(routing.address() as AddressInfo).port}`;
  sla = await startSla(env, clock, { policy, env: { SLA_ROUTING_URL: url } });
  up = await upstream(env);
});

afterAll(async () => {
  await up?.stop();
  await sla?.stop();
  await new Promise((r) => routing?.close(r));
  await dropSchema(schema);
});

describe('sla: pausing a rep after too many breaches in their day', () => {
  it('asks routing once to give the rep no new leads until their midnight; leaves a longer absence alone', async () => {
    const lena = (n: number) => {
      const a = assignment(n, { at: t0.toISOString() });
      return { ...a, rep: { ...a.rep, repId: 'lena.weber', name: 'Lena Weber', crmOwnerId: '2201' } };
    };
    await up.assigned([
      assignment(1, { at: t0.toISOString() }),
      assignment(2, { at: t0.toISOString() }),
      lena(3),
      lena(4),
    ]);
    await waitFor(async () => (await query(`SELECT 1 FROM ${schema}.timer`)).length === 4, 30_000, 'armed');
    clock.set(new Date(t0.getTime() + 2 * HOUR + 1_000));
    await waitFor(
      async () => (await query(`SELECT 1 FROM ${schema}.timer WHERE state = 'breached'`)).length === 4,
      30_000,
      'four breaches',
    );
    const worker = sla.get<RepPauseWorker>(RepPauseWorker);
    await waitFor(
      async () => (await query(`SELECT 1 FROM ${schema}.rep_pause WHERE state <> 'pending'`)).length === 2,
      30_000,
      'both requests carried out',
    );
    const rows = await query<{
      rep_id: string;
      day: string;
      breaches: number;
      away_until: Date;
      state: string;
    }>(`SELECT rep_id, day, breaches, away_until, state FROM ${schema}.rep_pause ORDER BY rep_id`);
    expect(rows).toEqual([
      // Midnight in New York after Tuesday 24 Nov: 05:00 UTC.
      {
        rep_id: 'ana.silva',
        day: '2026-11-24',
        breaches: 2,
        away_until: new Date('2026-11-25T05:00:00.000Z'),
        state: 'done',
      },
      {
        rep_id: 'lena.weber',
        day: '2026-11-24',
        breaches: 2,
        away_until: new Date('2026-11-25T05:00:00.000Z'),
        state: 'skipped',
      },
    ]);
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts).toEqual([
      {
        method: 'PUT',
        path: '/roster/reps/ana.silva/availability',
        auth: `Bearer ${TEST_API_TOKEN}`,
        body: {
          awayUntil: '2026-11-25T05:00:00.000Z',
          note: 'sla: 2 breached deadlines on 2026-11-24; no new leads until tomorrow',
          changedBy: 'sla',
        },
      },
    ]);

    // A third breach the same day asks nothing more.
    await up.assigned([assignment(5, { at: t0.toISOString() })]);
    await waitFor(async () => (await query(`SELECT 1 FROM ${schema}.timer`)).length === 5, 30_000, 'armed');
    clock.set(new Date(t0.getTime() + 2 * HOUR + 60_000));
    await waitFor(
      async () => (await query(`SELECT 1 FROM ${schema}.timer WHERE state = 'breached'`)).length === 5,
      30_000,
      'five breaches',
    );
    await worker.runOnce();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect((await query(`SELECT 1 FROM ${schema}.rep_pause`)).length).toBe(2);
  });
});
