import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type CloudEvent, type LeadAssigned, type LeadActivity } from '@baton/domain';
import { ManualClock } from '@baton/platform';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { parseSlaPolicy } from '../src/policy/policy.js';
import {
  HOUR,
  assignment,
  eventsOn,
  hubspotCall,
  startSla,
  upstream,
  wallClockPolicyText,
  type SlaInstance,
} from './harness.js';

const env = isolatedEnv('sla-ladder');
const schema = env.DATABASE_SCHEMA!;
const clock = new ManualClock(new Date('2026-11-24T15:00:00.000Z'));
// Wall clock, so the test reads in plain hours: remind at 1.5 h, escalate (with a manager task) at 2 h, reassign at 4 h.
const policy = parseSlaPolicy(
  wallClockPolicyText(
    'ladder-test',
    [
      '{ at: 75%, action: remind_rep }',
      '{ at: 100%, action: escalate_to_manager, managerTask: true }',
      '{ at: 200%, action: reassign }',
    ],
    {
      stoppedBy: '{ activities: [call_logged, email_logged, meeting_logged], repActions: [call_logged] }',
      extra: 'reassignment: { maxPerQualification: 2 }',
    },
  ),
);

let sla: SlaInstance;
let up: Awaited<ReturnType<typeof upstream>>;

beforeAll(async () => {
  sla = await startSla(env, clock, { policy });
  up = await upstream(env);
});

afterAll(async () => {
  await up?.stop();
  await sla?.stop();
  await dropSchema(schema);
});

const at = (offsetMs: number, from: Date) => new Date(from.getTime() + offsetMs);

async function rungs(timerId: string) {
  return (
    await query<{ state: string }>(
      `SELECT state FROM ${schema}.timer_rung WHERE timer_id = $1 ORDER BY rung`,
      [timerId],
    )
  ).map((r) => r.state);
}

async function timer(timerId: string) {
  return (
    await query<{ state: string; stop: Record<string, unknown> | null }>(
      `SELECT state, stop FROM ${schema}.timer WHERE timer_id = $1`,
      [timerId],
    )
  )[0];
}

async function armed(assignmentId: string) {
  await waitFor(
    async () =>
      (await query(`SELECT 1 FROM ${schema}.timer WHERE assignment_id = $1`, [assignmentId])).length > 0,
    30_000,
    `${assignmentId} armed`,
  );
}

/** Moves the clock and waits until the firing loop has fired (or skipped) the rung. */
async function advanceUntil(to: Date, timerId: string, rung: number) {
  clock.set(to);
  await waitFor(
    async () => (await rungs(timerId))[rung] !== 'pending',
    30_000,
    `${timerId} rung ${rung} judged`,
  );
}

const byLead = <T>(events: CloudEvent<T>[], leadId: string) => events.filter((e) => e.subject === leadId);

describe('sla: the escalation ladder', () => {
  it('assigned, nobody acts: reminder, escalation (with a manager task), reassignment — in order, each once', async () => {
    const t0 = clock.now();
    const lead = 'hubspot:contact:10';
    await up.assigned([assignment(10, { at: t0.toISOString() })]);
    await armed('asg-10');
    await advanceUntil(at(1.5 * HOUR + 1_000, t0), 'asg-10:first_touch', 0);
    await advanceUntil(at(2 * HOUR + 1_000, t0), 'asg-10:first_touch', 1);
    await advanceUntil(at(4 * HOUR + 1_000, t0), 'asg-10:first_touch', 2);
    // A few more rounds: nothing is claimed twice.
    await sla.loop.drain();
    expect(await rungs('asg-10:first_touch')).toEqual(['fired', 'fired', 'fired']);

    const breaches = byLead(
      await eventsOn(env, Topics.SlaBreached, (es) => byLead(es, lead).length >= 3),
      lead,
    );
    expect(breaches.map((e) => [e.data.rung, e.data.action])).toEqual([
      [0, 'remind_rep'],
      [1, 'escalate_to_manager'],
      [2, 'reassign'],
    ]);
    expect(new Set(breaches.map((e) => e.id)).size).toBe(3);
    expect(breaches[1].data).toMatchObject({ lateByMs: 1_000, reassignments: 0, clock: 'wall' });
    expect(breaches[2].data).toMatchObject({ lateByMs: 2 * HOUR + 1_000, reassignments: 1 });

    const reassign = byLead(
      await eventsOn(env, Topics.LeadReassignmentRequested, (es) => byLead(es, lead).length >= 1),
      lead,
    );
    expect(reassign.map((e) => e.data)).toEqual([
      expect.objectContaining({
        assignmentId: 'asg-10',
        requestedBy: 'sla',
        excludeRepIds: ['ana.silva'],
        cause: expect.stringContaining('Ana Silva did not act within 2 h'),
      }),
    ]);
    const tasks = byLead(await eventsOn(env, Topics.CrmCommand, (es) => byLead(es, lead).length >= 1), lead);
    expect(tasks.map((e) => e.data)).toEqual([
      expect.objectContaining({
        action: 'create_task',
        commandId: 'sla:asg-10:first_touch:1:task',
        task: expect.objectContaining({
          ownerId: '1100',
          subject: expect.stringContaining('first_touch breached'),
        }),
      }),
    ]);
    expect(await timer('asg-10:first_touch')).toMatchObject({ state: 'breached' });
  });

  it('re-arms for each new rep; never back to a rep who had the lead; stops asking at the cap', async () => {
    const lead = 'hubspot:contact:20';
    const reps = [
      { repId: 'ana.silva', name: 'Ana Silva', crmOwnerId: '1101' },
      { repId: 'ben.okafor', name: 'Ben Okafor', crmOwnerId: '1102' },
      { repId: 'chloe.martin', name: 'Chloe Martin', crmOwnerId: '1103' },
    ];
    const generations: LeadAssigned[] = [];
    for (const [i, rep] of reps.entries()) {
      const t = clock.now();
      const base = assignment(20, { at: t.toISOString() });
      const a: LeadAssigned = {
        ...base,
        assignmentId: `asg-20-${i}`,
        rep: { ...base.rep, ...rep, email: `${rep.repId}@example.com` },
        reassignment: i > 0 ? { previousRepId: reps[i - 1].repId, cause: 'sla first_touch' } : undefined,
      };
      generations.push(a);
      await up.assigned([a]);
      await armed(a.assignmentId);
      // Long after the whole ladder: catching up, only the highest due rung (reassign) fires.
      await advanceUntil(at(4 * HOUR + 1_000, t), `${a.assignmentId}:first_touch`, 2);
      expect(await rungs(`${a.assignmentId}:first_touch`)).toEqual(['skipped', 'skipped', 'fired']);
    }
    // The first two assignments were superseded by the next: their timers were called off or kept their breach.
    const first = await timer('asg-20-0:first_touch');
    expect(first.state).toBe('breached');

    const requests = byLead(
      await eventsOn(env, Topics.LeadReassignmentRequested, (es) => byLead(es, lead).length >= 2),
      lead,
    );
    expect(requests.map((e) => [e.data.assignmentId, [...e.data.excludeRepIds].sort()])).toEqual([
      ['asg-20-0', ['ana.silva']],
      ['asg-20-1', ['ana.silva', 'ben.okafor']],
    ]);
    const breaches = byLead(
      await eventsOn(env, Topics.SlaBreached, (es) => byLead(es, lead).length >= 3),
      lead,
    );
    expect(
      breaches.map((e) => [
        e.data.assignmentId,
        e.data.action,
        e.data.reassignments,
        e.data.reassignmentCapped,
      ]),
    ).toEqual([
      ['asg-20-0', 'reassign', 1, undefined],
      ['asg-20-1', 'reassign', 2, undefined],
      ['asg-20-2', 'reassign', 2, true],
    ]);
    // No third request went to routing.
    await sla.runtime.flushOutbox();
    const after = byLead(
      await eventsOn(env, Topics.LeadReassignmentRequested, (es) => byLead(es, lead).length >= 2),
      lead,
    );
    expect(after).toHaveLength(2);
  });

  it('a call that occurred in time but arrived after the escalation fired makes the timer met; the reassignment is called off', async () => {
    const t0 = clock.now();
    await up.assigned([assignment(30, { at: t0.toISOString() })]);
    await armed('asg-30');
    await advanceUntil(at(2 * HOUR + 1_000, t0), 'asg-30:first_touch', 1);
    // The CRM reported the call late (the rep logged it afterwards with the time of the call).
    await up.activity([hubspotCall(30, at(1.9 * HOUR, t0).toISOString())]);
    await waitFor(
      async () => (await timer('asg-30:first_touch'))?.state === 'met',
      30_000,
      'met by the late report',
    );
    expect((await timer('asg-30:first_touch')).stop).toMatchObject({
      kind: 'call_logged',
      arrivedAfterBreach: true,
    });
    clock.set(at(4 * HOUR + 1_000, t0));
    await sla.loop.drain();
    expect(await rungs('asg-30:first_touch')).toEqual(['skipped', 'fired', 'cancelled']);
  });

  it('a touch after the deadline keeps the breach and stops the rest of the ladder', async () => {
    const t0 = clock.now();
    await up.assigned([assignment(31, { at: t0.toISOString() })]);
    await armed('asg-31');
    await advanceUntil(at(2 * HOUR + 1_000, t0), 'asg-31:first_touch', 1);
    await up.activity([hubspotCall(31, at(2.5 * HOUR, t0).toISOString())]);
    await waitFor(
      async () => (await rungs('asg-31:first_touch'))[2] === 'cancelled',
      30_000,
      'ladder stopped',
    );
    expect(await timer('asg-31:first_touch')).toMatchObject({
      state: 'breached',
      stop: { kind: 'call_logged' },
    });
  });

  it('HubSpot and Salesforce activity both stop the clock; an echo, first sight or an integration does not', async () => {
    const t0 = clock.now();
    const sfLead = 'salesforce:Lead:00Q5e00000AbCdE';
    const hs = assignment(40, { at: t0.toISOString() });
    const sfBase = assignment(41, { at: t0.toISOString() });
    const sf: LeadAssigned = {
      ...sfBase,
      leadId: sfLead,
      crm: { provider: 'salesforce', objectType: 'Lead', id: '00Q5e00000AbCdE' },
      rep: { ...sfBase.rep, crmOwnerId: '0055e000001AnaSi' },
    };
    await up.assigned([hs, sf]);
    await armed('asg-40');
    await armed('asg-41');
    const noise: LeadActivity[] = [
      // Baton's own owner write coming back, and the record's first webhook: nobody acted.
      {
        leadId: sfLead,
        crm: sf.crm,
        kind: 'owner_changed',
        occurredAt: at(60_000, t0).toISOString(),
        sourceEventId: 'sf-replay-1',
        owner: { to: '0055e000001AnaSi' },
        actor: { kind: 'baton', source: 'client=baton', integrationId: 'baton' },
      },
      {
        leadId: 'hubspot:contact:40',
        crm: hs.crm,
        kind: 'status_changed',
        occurredAt: at(60_000, t0).toISOString(),
        sourceEventId: 'hs-first-1',
        status: { to: 'new' },
        actor: { kind: 'first_sight' },
      },
      // A dialer integration logging a call is not the rep.
      {
        ...hubspotCall(40, at(120_000, t0).toISOString(), '1101', 'calls:dialer'),
        actor: { kind: 'integration', integrationId: 'dialer', source: 'INTEGRATION' },
      },
    ];
    await up.activity(noise);
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${schema}.lead_activity WHERE event_id LIKE '%dialer%'`)).length === 1,
      30_000,
      'the noise seen',
    );
    expect((await timer('asg-40:first_touch')).state).toBe('open');
    expect((await timer('asg-41:first_touch')).state).toBe('open');

    // The Salesforce Task the rep logged (TaskSubtype Call): OwnerId is the user and the owner.
    await up.activity([
      hubspotCall(40, at(30 * 60_000, t0).toISOString()),
      {
        leadId: sfLead,
        crm: sf.crm,
        kind: 'call_logged',
        occurredAt: at(40 * 60_000, t0).toISOString(),
        sourceEventId: 'Task:00T5e00000Call1',
        actorOwnerId: '0055e000001AnaSi',
        actor: { kind: 'person', userId: '0055e000001AnaSi', ownerId: '0055e000001AnaSi' },
      },
    ]);
    await waitFor(
      async () => (await timer('asg-40:first_touch'))?.state === 'met',
      30_000,
      'HubSpot call met',
    );
    await waitFor(
      async () => (await timer('asg-41:first_touch'))?.state === 'met',
      30_000,
      'Salesforce call met',
    );
    const met = (
      await eventsOn(
        env,
        Topics.SlaMet,
        (es) => es.filter((e) => ['asg-40', 'asg-41'].includes(e.data.assignmentId)).length >= 2,
      )
    )
      .filter((e) => ['asg-40', 'asg-41'].includes(e.data.assignmentId))
      .map((e) => [e.data.assignmentId, e.data.speedToLead?.humanMs]);
    expect(met.sort()).toEqual([
      ['asg-40', 30 * 60_000],
      ['asg-41', 40 * 60_000],
    ]);
  });

  it('a call logged before the assignment was armed stops the timer at arming; the alert receipt ends system time', async () => {
    const t0 = clock.now();
    await up.receipt([
      {
        leadId: 'hubspot:contact:50',
        notificationId: 'n-50',
        causationId: 'asg-50:assigned',
        channel: 'slack',
        purpose: 'assignment_alert',
        recipient: 'U0ANA',
        status: 'delivered',
        sentAt: at(2_000, t0).toISOString(),
        assignmentId: 'asg-50',
      },
    ]);
    await up.activity([hubspotCall(50, at(5 * 60_000, t0).toISOString())]);
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${schema}.lead_activity WHERE lead_id = 'hubspot:contact:50'`)).length ===
        1,
      30_000,
      'the call seen',
    );
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${schema}.alert_receipt WHERE assignment_id = 'asg-50'`)).length === 1,
      30_000,
      'the receipt seen',
    );
    await up.assigned([assignment(50, { at: t0.toISOString() })]);
    await waitFor(async () => (await timer('asg-50:first_touch'))?.state === 'met', 30_000, 'met at arming');
    const met = (
      await eventsOn(env, Topics.SlaMet, (es) => es.some((e) => e.data.assignmentId === 'asg-50'))
    ).find((e) => e.data.assignmentId === 'asg-50')!;
    expect(met.data.speedToLead).toEqual({
      systemMs: 5_000,
      systemEnd: 'alert_delivered',
      humanMs: 5 * 60_000,
      humanPolicyClockMs: 5 * 60_000,
    });
  });

  it('"Log a call" from the alert counts where the policy says; "Accept" does not', async () => {
    const t0 = clock.now();
    await up.assigned([assignment(60, { at: t0.toISOString() }), assignment(61, { at: t0.toISOString() })]);
    await armed('asg-60');
    await armed('asg-61');
    const action = (n: number, kind: 'accepted' | 'call_logged') => ({
      leadId: `hubspot:contact:${n}`,
      actionId: `act-${n}`,
      assignmentId: `asg-${n}`,
      repId: 'ana.silva',
      action: kind,
      channel: 'slack' as const,
      actedAt: at(10 * 60_000, t0).toISOString(),
    });
    await up.repAction([action(60, 'accepted'), action(61, 'call_logged')]);
    await waitFor(
      async () => (await timer('asg-61:first_touch'))?.state === 'met',
      30_000,
      'logged call met',
    );
    expect((await timer('asg-60:first_touch')).state).toBe('open');
  });
});
