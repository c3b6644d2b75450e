import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@baton/platform';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { parseSlaPolicy } from '../src/policy/policy.js';
import type { ReportController } from '../src/report/report.controller.js';
import { SlaGauges } from '../src/report/sla-gauges.js';
import {
  HOUR,
  assignment,
  hubspotCall,
  startSla,
  upstream,
  wallClockPolicyText,
  type SlaInstance,
} from './harness.js';

const env = isolatedEnv('sla-report');
const schema = env.DATABASE_SCHEMA!;
const t0 = new Date('2026-11-24T15:00:00.000Z');
const clock = new ManualClock(t0);
const policy = parseSlaPolicy(
  wallClockPolicyText('report-test', ['{ at: 100%, action: escalate_to_manager }'], {
    extra: 'repBreachAlert: { breachesPerDay: 2 }',
  }),
);
const MIN = 60_000;
type Report = Awaited<ReturnType<ReportController['report']>>;
const at = (ms: number) => new Date(t0.getTime() + ms).toISOString();

let sla: SlaInstance;
let up: Awaited<ReturnType<typeof upstream>>;

beforeAll(async () => {
  sla = await startSla(env, clock, { policy });
  up = await upstream(env);
  const base = assignment(5, { at: at(0) });
  await up.assigned([
    assignment(1, { at: at(0) }),
    assignment(2, { at: at(0) }),
    assignment(3, { at: at(0) }),
    assignment(4, { at: at(0) }),
    {
      ...base,
      pool: 'emea',
      rep: { ...base.rep, repId: 'lena.weber', name: 'Lena Weber', crmOwnerId: '2201' },
    },
  ]);
  await waitFor(
    async () => (await query(`SELECT 1 FROM ${schema}.timer`)).length === 5,
    30_000,
    'five timers armed',
  );
  await up.receipt([
    {
      leadId: 'hubspot:contact:2',
      notificationId: 'n-2',
      causationId: 'asg-2:assigned',
      channel: 'slack',
      purpose: 'assignment_alert',
      recipient: 'U0ANA',
      status: 'delivered',
      sentAt: at(2_000),
      assignmentId: 'asg-2',
    },
  ]);
  await up.activity([
    hubspotCall(1, at(30 * MIN)),
    hubspotCall(2, at(90 * MIN)),
    hubspotCall(5, at(10 * MIN), '2201'),
  ]);
  await waitFor(
    async () => (await query(`SELECT 1 FROM ${schema}.timer WHERE state = 'met'`)).length === 3,
    30_000,
    'three met',
  );
  await waitFor(
    async () => (await query(`SELECT 1 FROM ${schema}.alert_receipt`)).length === 1,
    30_000,
    'the receipt',
  );
  clock.set(new Date(t0.getTime() + 2 * HOUR + 1_000));
  await waitFor(
    async () => (await query(`SELECT 1 FROM ${schema}.timer WHERE state = 'breached'`)).length === 2,
    30_000,
    'two breached',
  );
  await up.activity([hubspotCall(4, at(3 * HOUR))]);
  await waitFor(
    async () =>
      (await query(`SELECT 1 FROM ${schema}.assignment WHERE first_touch_at IS NOT NULL`)).length === 4,
    30_000,
    'the late touch recorded',
  );
}, 120_000);

afterAll(async () => {
  await up?.stop();
  await sla?.stop();
  await dropSchema(schema);
});

describe('sla: the report', () => {
  it('GET /sla/report: compliance, P50/P95 with system time apart from human time, breaches, follow-up', async () => {
    const res = await sla.fetch(`/sla/report?from=${at(-HOUR)}&to=${at(HOUR)}&team=na-enterprise`);
    expect(res.status).toBe(200);
    const r = (await res.json()) as Report;
    expect(r.compliance.overall).toBe(0.5);
    expect(r.compliance.byPolicy).toEqual([
      { policy: 'first_touch', met: 2, breached: 2, open: 0, cancelled: 0, compliance: 0.5 },
    ]);
    // Human: 30, 90 and 180 minutes; one assignment never touched.
    expect(r.timeToFirstTouch.human).toMatchObject({
      count: 3,
      untouched: 1,
      p50Ms: 90 * MIN,
      p95Ms: 171 * MIN,
    });
    // System: signal → alert 5 s where the receipt came, signal → assignment 3 s elsewhere.
    expect(r.timeToFirstTouch.system).toMatchObject({
      count: 4,
      endedAtAlert: 1,
      endedAtAssignment: 3,
      p50Ms: 3_000,
    });
    expect(r.breaches.byRep).toEqual([{ repId: 'ana.silva', name: 'Ana Silva', breaches: 2 }]);
    expect(r.breaches.byPolicy).toEqual([{ policy: 'first_touch', breaches: 2 }]);
    expect(r.followUp).toMatchObject({
      qualified: 4,
      touched: 3,
      touchedWithinSla: 2,
      touchedRate: 0.75,
      withinSlaRate: 0.5,
    });
    expect(r.repsOverBreachThreshold.reps).toEqual([{ repId: 'ana.silva', day: '2026-11-24', breaches: 2 }]);

    const all = (await (await sla.fetch(`/sla/report?from=${at(-HOUR)}&to=${at(HOUR)}`)).json()) as Report;
    expect(all.followUp.qualified).toBe(5);
  });

  it('names a bad parameter; requires the API token', async () => {
    const bad = await sla.fetch('/sla/report?from=yesterday');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('query.from');
    expect((await sla.fetch(`/sla/report?from=${at(HOUR)}&to=${at(0)}`)).status).toBe(400);
    expect((await sla.fetch('/sla/report?color=red')).status).toBe(400);
    expect((await fetch(`${sla.url}/sla/report`)).status).toBe(401);
  });

  it('exposes time to first touch by team, compliance, open timers and firing lateness in /metrics', async () => {
    await sla.get<SlaGauges>(SlaGauges).refresh();
    const text = await (await fetch(`${sla.url}/metrics`)).text();
    expect(text).toMatch(/baton_sla_time_to_first_touch_seconds_count\{[^}]*team="na-enterprise"[^}]*\} 3/);
    expect(text).toMatch(/baton_sla_time_to_first_touch_seconds_count\{[^}]*team="emea"[^}]*\} 1/);
    expect(text).toMatch(/baton_sla_compliance_ratio\{[^}]*policy="first_touch"[^}]*\} 0\.6/);
    expect(text).toMatch(
      /baton_sla_firing_lateness_seconds_count\{[^}]*action="escalate_to_manager"[^}]*\} 2/,
    );
    expect(text).toContain('baton_sla_open_timers');
  });
});
