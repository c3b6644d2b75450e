import { afterEach, describe, expect, it } from 'vitest';
import {
  Topics,
  makeEvent,
  type CrmCommand,
  type LeadAssigned,
  type LeadReassignmentRequested,
} from '@baton/domain';
import { dropSchema, isolatedEnv, kafkaFor, query, readTopic, waitFor, type TestEnv } from '@baton/testing';
import { ManualClock } from '@baton/platform';
import { withKafkaRetry } from '@baton/service-testing';
import { qualified, testPolicy, testPolicyDir } from '../../test/fixtures.js';
import { holdOutbox, spawnRouting, startRouting, upstreamPublisher } from '../../test/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function publisherFor(env: TestEnv) {
  const { publisher } = await upstreamPublisher(env, 'scoring');
  cleanups.push(() => publisher.disconnect());
  return { kafka: kafkaFor(env), publisher };
}

type Envelope<T> = { id: string; subject: string; data: T };

describe('routing on the real broker and Postgres', () => {
  it('turns lead.qualified into an audited assignment, lead.assigned and the CRM owner command', async () => {
    const env = isolatedEnv('route-e2e');
    cleanups.push(() => dropSchema(env.DATABASE_SCHEMA!));
    const clock = new ManualClock(new Date('2026-11-23T15:00:00Z'));
    const routing = await startRouting(env, testPolicy(), clock);
    cleanups.push(routing.stop);
    const { kafka, publisher } = await publisherFor(env);

    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadQualified, subject: 'hubspot:contact:1', data: qualified(1) }]),
    );

    const assigned = await withKafkaRetry(() =>
      readTopic(kafka, Topics.LeadAssigned, { until: (s) => s.length >= 1 }),
    );
    const a = assigned[0].json<Envelope<LeadAssigned>>();
    expect(assigned[0].key).toBe('hubspot:contact:1');
    expect(a.data).toMatchObject({
      leadId: 'hubspot:contact:1',
      qualificationId: 'q-hubspot:contact:1',
      ruleId: 'us',
      pool: 'us',
      strategy: 'weighted_rotation',
      rep: {
        repId: 'alice',
        crmOwnerId: '101',
        email: 'alice@example.com',
        slackUserId: 'UALICE',
        teamsUserId: '29:alice',
        manager: { repId: 'mgr', name: 'Mia Manager' },
      },
      lead: { score: 72, identity: { company: 'Company 1' } },
    });
    expect(a.data.reason).toContain('Alice via rule us, pool us');
    // What the alert and the SLA clocks need travels with the assignment.
    expect(a.data.rep.channels).toEqual(['slack', 'teams', 'email']);
    expect(a.data.rep.workingHours?.mon).toEqual(['00:00-24:00']);
    expect(a.data.rep.manager).toMatchObject({ timeZone: 'Europe/Berlin', channels: ['slack', 'email'] });
    expect(a.data.lead).toMatchObject({ threshold: 60, qualifiedAt: '2026-11-23T15:00:00.000Z' });

    const commands = await withKafkaRetry(() =>
      readTopic(kafka, Topics.CrmCommand, { until: (s) => s.length >= 1 }),
    );
    const c = commands[0].json<Envelope<CrmCommand>>();
    expect(c.data).toMatchObject({
      action: 'update_lead',
      leadId: 'hubspot:contact:1',
      changes: { ownerId: '101' },
      issuedBy: 'baton/routing',
    });

    const rows = await query(
      `SELECT rep_id, rule_id, policy_version, audit FROM ${env.DATABASE_SCHEMA}.assignment`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].policy_version).toBe(testPolicy().version);
    expect(rows[0].audit.pools[0]).toMatchObject({
      poolId: 'us',
      chosenRepId: 'alice',
      rotationBefore: {},
      rotationAfter: { alice: -50, bob: 25, carol: 25 },
    });
    expect(
      rows[0].audit.pools[0].candidates.map((x: { repId: string; eligible: boolean }) => [
        x.repId,
        x.eligible,
      ]),
    ).toEqual([
      ['alice', true],
      ['bob', true],
      ['carol', true],
    ]);
  });

  it('assigns a qualification exactly once when it is delivered twice (same event id and a re-sent copy)', async () => {
    const env = isolatedEnv('route-dupe');
    cleanups.push(() => dropSchema(env.DATABASE_SCHEMA!));
    const routing = await startRouting(env, testPolicy(), new ManualClock(new Date('2026-11-23T15:00:00Z')));
    cleanups.push(routing.stop);
    const { kafka, publisher } = await publisherFor(env);
    const lead = 'hubspot:contact:7';
    // The same CloudEvent twice (a redelivery), plus a copy under a new event id (a producer retry upstream).
    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadQualified, subject: lead, data: qualified(7), id: 'evt-7' }]),
    );
    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadQualified, subject: lead, data: qualified(7), id: 'evt-7' }]),
    );
    await withKafkaRetry(() =>
      publisher.publish([
        { topic: Topics.LeadQualified, subject: lead, data: qualified(7), id: 'evt-7-copy' },
      ]),
    );
    // A marker behind them on the same partition: once it is assigned, all three were handled.
    await withKafkaRetry(() =>
      publisher.publish([
        { topic: Topics.LeadQualified, subject: lead, data: qualified(7, { qualificationId: 'q-marker' }) },
      ]),
    );
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${env.DATABASE_SCHEMA}.assignment WHERE qualification_id = 'q-marker'`))
          .length === 1,
      30_000,
      'marker',
    );
    await routing.runtime.flushOutbox();

    const rows = await query(
      `SELECT qualification_id, current FROM ${env.DATABASE_SCHEMA}.assignment ORDER BY qualification_id`,
    );
    // The later qualification of the same lead supersedes the first: one current assignment, one open lead.
    expect(rows).toEqual([
      { qualification_id: 'q-hubspot:contact:7', current: false },
      { qualification_id: 'q-marker', current: true },
    ]);
    expect((await query(`SELECT sum(open_leads)::int AS n FROM ${env.DATABASE_SCHEMA}.rep`))[0].n).toBe(1);
    const assigned = await withKafkaRetry(() =>
      readTopic(kafka, Topics.LeadAssigned, { until: (s) => s.length >= 2 }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const again = await withKafkaRetry(() =>
      readTopic(kafka, Topics.LeadAssigned, { until: (s) => s.length >= 2 }),
    );
    expect(again).toHaveLength(2);
    expect(assigned.map((m) => m.json<Envelope<LeadAssigned>>().data.qualificationId).sort()).toEqual([
      'q-hubspot:contact:7',
      'q-marker',
    ]);
  });

  it('gives a lead qualified twice in one batch one current assignment, and a repeated batch nothing new', async () => {
    const env = isolatedEnv('route-samebatch');
    cleanups.push(() => dropSchema(env.DATABASE_SCHEMA!));
    const routing = await startRouting(env, testPolicy(), new ManualClock(new Date('2026-11-23T15:00:00Z')), {
      consume: false,
      relay: false,
    });
    cleanups.push(routing.stop);
    const batch = [
      makeEvent('baton/scoring', {
        topic: Topics.LeadQualified,
        subject: 'hubspot:contact:8',
        data: qualified(8, { qualificationId: 'q-8-a' }),
      }),
      makeEvent('baton/scoring', {
        topic: Topics.LeadQualified,
        subject: 'hubspot:contact:8',
        data: qualified(8, { qualificationId: 'q-8-b' }),
      }),
    ];
    expect(await routing.service.assignQualified(batch)).toHaveLength(2);
    expect(await routing.service.assignQualified(batch)).toEqual([]);
    const rows = await query(
      `SELECT qualification_id, current, rep_id, strategy, released_at IS NOT NULL AS released FROM ${env.DATABASE_SCHEMA}.assignment ORDER BY qualification_id`,
    );
    expect(rows).toEqual([
      {
        qualification_id: 'q-8-a',
        current: false,
        rep_id: 'alice',
        strategy: 'weighted_rotation',
        released: true,
      },
      {
        qualification_id: 'q-8-b',
        current: true,
        rep_id: 'alice',
        strategy: 'existing_owner',
        released: false,
      },
    ]);
    expect(await query(`SELECT id, open_leads FROM ${env.DATABASE_SCHEMA}.rep WHERE open_leads > 0`)).toEqual(
      [{ id: 'alice', open_leads: 1 }],
    );
  });

  it('keeps the rotation exact and each qualification single when two replicas race for the same pool', async () => {
    const env = isolatedEnv('route-race');
    cleanups.push(() => dropSchema(env.DATABASE_SCHEMA!));
    const clock = new ManualClock(new Date('2026-11-23T15:00:00Z'));
    const policy = testPolicy();
    const one = await startRouting(env, policy, clock, { maxBatch: 20 });
    cleanups.push(one.stop);
    const two = await startRouting(env, policy, clock, { maxBatch: 20 });
    cleanups.push(two.stop);
    const { publisher } = await publisherFor(env);

    // 400 leads over 3 partitions, every one of them into pool "us"; a third of them sent twice.
    const events = Array.from({ length: 400 }, (_, i) => ({
      topic: Topics.LeadQualified,
      subject: `hubspot:contact:${i}`,
      data: qualified(i),
    }));
    await withKafkaRetry(() => publisher.publish(events));
    await withKafkaRetry(() =>
      publisher.publish(events.filter((_, i) => i % 3 === 0).map((e) => ({ ...e }))),
    );

    await waitFor(
      async () =>
        Number((await query(`SELECT count(*) AS n FROM ${env.DATABASE_SCHEMA}.assignment`))[0].n) >= 400,
      60_000,
      '400 assignments',
    );
    await new Promise((r) => setTimeout(r, 1000));
    const perRep = await query(
      `SELECT rep_id, count(*)::int AS n FROM ${env.DATABASE_SCHEMA}.assignment GROUP BY rep_id ORDER BY rep_id`,
    );
    // Smooth weighted round-robin is exact at every multiple of the weight total: a lost update
    // (two replicas reading the same credits) would show here as a skewed count.
    expect(perRep).toEqual([
      { rep_id: 'alice', n: 200 },
      { rep_id: 'bob', n: 100 },
      { rep_id: 'carol', n: 100 },
    ]);
    const distinct = await query(
      `SELECT count(DISTINCT qualification_id)::int AS n, count(*)::int AS total FROM ${env.DATABASE_SCHEMA}.assignment`,
    );
    expect(distinct[0]).toEqual({ n: 400, total: 400 });
    const load = await query(`SELECT id, open_leads FROM ${env.DATABASE_SCHEMA}.rep ORDER BY id`);
    expect(load.filter((r) => r.open_leads > 0).map((r) => [r.id, r.open_leads])).toEqual([
      ['alice', 200],
      ['bob', 100],
      ['carol', 100],
    ]);
  });

  it('publishes a decision made just before a crash (SIGKILL) exactly once after the restart', async () => {
    const env = isolatedEnv('route-crash');
    cleanups.push(() => dropSchema(env.DATABASE_SCHEMA!));
    const policy = testPolicy();

    // First life, the real main.ts in its own process: decides and commits, but dies before
    // anything is published (the test holds the outbox) and before its consumer offsets are
    // committed. A short session lets the group notice the death sooner.
    const outboxHeld = await holdOutbox(env);
    const { child, ready } = spawnRouting(env, {
      BATON_POLICY_DIR: testPolicyDir(),
      ROUTING_CONSUMER_SESSION_TIMEOUT_MS: '6000',
    });
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await outboxHeld();
    });
    await ready;
    const { kafka, publisher } = await publisherFor(env);
    await withKafkaRetry(() =>
      publisher.publish([
        { topic: Topics.LeadQualified, subject: 'hubspot:contact:42', data: qualified(42), id: 'evt-42' },
      ]),
    );
    await waitFor(
      async () => (await query(`SELECT 1 FROM ${env.DATABASE_SCHEMA}.assignment`)).length === 1,
      30_000,
      'the decision',
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const waiting = await query(`SELECT topic FROM ${env.DATABASE_SCHEMA}.outbox ORDER BY id`);
    expect(waiting.map((r) => r.topic)).toEqual([Topics.LeadAssigned, Topics.CrmCommand]);
    await outboxHeld();

    // Second life: the relay publishes what the first one committed; the redelivered qualification is a no-op.
    const second = await startRouting(env, policy, new ManualClock(new Date('2026-11-23T15:00:00Z')));
    cleanups.push(second.stop);
    // Whether or not the killed consumer committed its offset, the same event may come again.
    await withKafkaRetry(() =>
      publisher.publish([
        { topic: Topics.LeadQualified, subject: 'hubspot:contact:42', data: qualified(42), id: 'evt-42' },
      ]),
    );
    await withKafkaRetry(() =>
      publisher.publish([
        {
          topic: Topics.LeadQualified,
          subject: 'hubspot:contact:42',
          data: qualified(42, { qualificationId: 'q-after' }),
        },
      ]),
    );
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${env.DATABASE_SCHEMA}.assignment WHERE qualification_id = 'q-after'`))
          .length === 1,
      60_000,
      'later lead',
    );
    await second.runtime.flushOutbox();

    const assigned = await withKafkaRetry(() =>
      readTopic(kafka, Topics.LeadAssigned, { until: (s) => s.length >= 2 }),
    );
    expect(assigned.map((m) => m.json<Envelope<LeadAssigned>>().data.qualificationId)).toEqual([
      'q-hubspot:contact:42',
      'q-after',
    ]);
    const commands = await withKafkaRetry(() =>
      readTopic(kafka, Topics.CrmCommand, { until: (s) => s.length >= 2 }),
    );
    expect(commands).toHaveLength(2);
    expect((await query(`SELECT count(*)::int AS n FROM ${env.DATABASE_SCHEMA}.assignment`))[0].n).toBe(2);
    expect((await query(`SELECT count(*)::int AS n FROM ${env.DATABASE_SCHEMA}.outbox`))[0].n).toBe(0);
  });

  it('reassigns to another rep on request, says why, and ignores a repeated request', async () => {
    const env = isolatedEnv('route-reassign');
    cleanups.push(() => dropSchema(env.DATABASE_SCHEMA!));
    const routing = await startRouting(env, testPolicy(), new ManualClock(new Date('2026-11-23T15:00:00Z')));
    cleanups.push(routing.stop);
    const { kafka, publisher } = await publisherFor(env);
    const lead = 'hubspot:contact:5';
    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadQualified, subject: lead, data: qualified(5) }]),
    );
    const first = (
      await withKafkaRetry(() => readTopic(kafka, Topics.LeadAssigned, { until: (s) => s.length >= 1 }))
    )[0].json<Envelope<LeadAssigned>>().data;
    expect(first.rep.repId).toBe('alice');

    const request: LeadReassignmentRequested = {
      leadId: lead,
      assignmentId: first.assignmentId,
      requestedBy: 'sla',
      cause: 'first touch missed (15 min)',
      excludeRepIds: ['bob'],
      requestedAt: '2026-11-23T15:16:00.000Z',
    };
    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadReassignmentRequested, subject: lead, data: request }]),
    );
    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadReassignmentRequested, subject: lead, data: request }]),
    );

    const assigned = await withKafkaRetry(() =>
      readTopic(kafka, Topics.LeadAssigned, { until: (s) => s.length >= 2 }),
    );
    const second = assigned[1].json<Envelope<LeadAssigned>>().data;
    expect(second.rep.repId).toBe('carol');
    expect(second.reassignment).toEqual({
      previousRepId: 'alice',
      cause: 'sla: first touch missed (15 min)',
    });
    expect(second.reason).toMatch(/^Reassigned from Alice \(sla: first touch missed/);
    await new Promise((r) => setTimeout(r, 1500));
    const rows = await query(
      `SELECT rep_id, current, generation FROM ${env.DATABASE_SCHEMA}.assignment ORDER BY generation`,
    );
    expect(rows).toEqual([
      { rep_id: 'alice', current: false, generation: 0 },
      { rep_id: 'carol', current: true, generation: 1 },
    ]);
    const audit = (await query(`SELECT audit FROM ${env.DATABASE_SCHEMA}.assignment WHERE generation = 1`))[0]
      .audit;
    expect(
      audit.pools[0].candidates.map((x: { repId: string; skipped?: string }) => [
        x.repId,
        x.skipped ?? 'eligible',
      ]),
    ).toEqual([
      ['alice', 'excluded'],
      ['bob', 'excluded'],
      ['carol', 'eligible'],
    ]);
  });
});
