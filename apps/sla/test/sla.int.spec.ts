import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { Topics } from '@baton/domain';
import { schemaDrift } from '@baton/persistence';
import { ManualClock } from '@baton/platform';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { HOUR, assignment, eventsOn, hubspotCall, startSla, upstream, type SlaInstance } from './harness.js';

const env = isolatedEnv('sla');
const schema = env.DATABASE_SCHEMA!;
// Tuesday 2026-11-24 10:00 in New York: the rep works 09:00-17:00, so 2 working hours end at 12:00.
const clock = new ManualClock(new Date('2026-11-24T15:00:00.000Z'));

let sla: SlaInstance;
let up: Awaited<ReturnType<typeof upstream>>;

beforeAll(async () => {
  sla = await startSla(env, clock);
  up = await upstream(env);
});

afterAll(async () => {
  await up?.stop();
  await sla?.stop();
  await dropSchema(schema);
});

async function timerOf(leadN: number, policy = 'first_touch') {
  const rows = await query<{ state: string }>(`SELECT state FROM ${schema}.timer WHERE timer_id = $1`, [
    `asg-${leadN}:${policy}`,
  ]);
  return rows[0];
}

async function rungStates(leadN: number, policy = 'first_touch') {
  const rows = await query<{ rung: number; state: string }>(
    `SELECT rung, state FROM ${schema}.timer_rung WHERE timer_id = $1 ORDER BY rung`,
    [`asg-${leadN}:${policy}`],
  );
  return rows.map((r) => r.state);
}

describe('sla: first touch', () => {
  it('arms a business-hours timer on lead.assigned and announces it on sla.armed.v1', async () => {
    await up.assigned([assignment(1), assignment(2)]);
    const armed = await eventsOn(env, Topics.SlaArmed, (es) => es.length >= 2);
    const one = armed.find((e) => e.data.assignmentId === 'asg-1')!;
    const ft = one.data.timers.find((t) => t.policy === 'first_touch')!;
    expect(ft).toMatchObject({
      clock: 'business',
      deadline: '2026-11-24T17:00:00.000Z', // 12:00 in New York
      rungs: [
        { rung: 0, action: 'remind_rep', at: '2026-11-24T16:30:00.000Z' },
        { rung: 1, action: 'escalate_to_manager', at: '2026-11-24T17:00:00.000Z' },
        { rung: 2, action: 'reassign', at: '2026-11-24T19:00:00.000Z' },
      ],
    });
    expect(one.data.timers.map((t) => t.policy).sort()).toEqual(['first_touch', 'still_new']);
  });

  it("is stopped by the rep's call before the deadline: sla.met with speed-to-lead, nothing fires", async () => {
    await up.activity([hubspotCall(1, '2026-11-24T16:10:00.000Z')]);
    await waitFor(async () => (await timerOf(1))?.state === 'met', 30_000, 'lead 1 met');
    const met = (
      await eventsOn(env, Topics.SlaMet, (es) => es.some((e) => e.data.timerId === 'asg-1:first_touch'))
    )
      .map((e) => e.data)
      .find((m) => m.timerId === 'asg-1:first_touch')!;
    expect(met).toMatchObject({
      policy: 'first_touch',
      repId: 'ana.silva',
      metAt: '2026-11-24T16:10:00.000Z',
      elapsedMs: 70 * 60_000,
      clock: 'business',
      touch: { kind: 'call_logged', source: Topics.LeadActivity },
      speedToLead: {
        systemMs: 3_000,
        systemEnd: 'assigned',
        humanMs: 70 * 60_000,
        humanPolicyClockMs: 70 * 60_000,
      },
    });
    expect(await rungStates(1)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('fires the reminder of the untouched lead once, when its time comes on the clock', async () => {
    clock.set(new Date(Date.parse('2026-11-24T16:30:00.000Z') + 1_000));
    await waitFor(async () => (await rungStates(2))[0] === 'fired', 30_000, 'the reminder fired');
    const breaches = await eventsOn(env, Topics.SlaBreached, (es) => es.length >= 1);
    expect(breaches.map((e) => [e.data.timerId, e.data.rung, e.data.action])).toEqual([
      ['asg-2:first_touch', 0, 'remind_rep'],
    ]);
    expect(breaches[0].data).toMatchObject({
      rep: { repId: 'ana.silva' },
      deadline: '2026-11-24T17:00:00.000Z',
      lateByMs: 0,
      clock: 'business',
      lead: { name: 'Prospect 2', company: 'Company 2', score: 72 },
    });
    // Rounds go on; the fired rung is not claimed again.
    await sla.loop.drain();
    expect(await rungStates(2)).toEqual(['fired', 'pending', 'pending']);
    expect(await timerOf(2)).toEqual({ state: 'open' });
    void HOUR;
  });

  it('serves the timers of a lead at GET /leads/:leadId/sla, to API token holders only', async () => {
    const path = `/leads/${encodeURIComponent('hubspot:contact:1')}/sla`;
    expect((await fetch(`${sla.url}${path}`)).status).toBe(401);
    const res = await sla.fetch(path);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      assignments: {
        timers: { policy: string; state: string; verdict: string; stoppedBy?: { kind: string } }[];
      }[];
    };
    const ft = body.assignments[0].timers.find((t) => t.policy === 'first_touch')!;
    expect(ft.state).toBe('met');
    expect(ft.verdict).toContain('met by call_logged');
    expect((await sla.fetch('/leads/%00/sla')).status).toBe(400);
    expect((await sla.fetch(`/leads/${encodeURIComponent('hubspot:contact:404')}/sla`)).status).toBe(404);
  });

  it('has entities that describe the tables its migrations made', async () => {
    expect(await schemaDrift(sla.get<DataSource>(DataSource))).toEqual([]);
  });
});
