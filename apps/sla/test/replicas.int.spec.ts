import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, makeEvent, type CloudEvent, type LeadAssigned } from '@baton/domain';
import { ManualClock } from '@baton/platform';
import { dropSchema, isolatedEnv, kafkaFor, query, readTopic, waitFor } from '@baton/testing';
import { DeadlinesService } from '../src/deadlines/deadlines.service.js';
import { FiringService } from '../src/deadlines/firing.service.js';
import { parseSlaPolicy } from '../src/policy/policy.js';
import { HOUR, assignment, startSla, wallClockPolicyText, type SlaInstance } from './harness.js';

const N = 10_000;
const env = isolatedEnv('sla-replicas');
const schema = env.DATABASE_SCHEMA!;
const t0 = new Date('2026-11-24T15:00:00.000Z');
const clock = new ManualClock(t0);
const policy = parseSlaPolicy(wallClockPolicyText('replicas-test'));

const replicas: SlaInstance[] = [];
const firedBy = [0, 0];

beforeAll(async () => {
  for (const i of [0, 1]) {
    const sla = await startSla(env, clock, { policy, consume: false, env: { SLA_FIRING_BATCH: '250' } });
    // Count what each replica's rounds fire (both share one process and so one metrics registry).
    const firing = sla.get<FiringService>(FiringService);
    const fireDue = firing.fireDue.bind(firing);
    firing.fireDue = async (now, limit) => {
      const r = await fireDue(now, limit);
      firedBy[i] += r.fired;
      return r;
    };
    replicas.push(sla);
  }
}, 120_000);

afterAll(async () => {
  for (const r of replicas) await r.stop();
  await dropSchema(schema);
});

async function pendingDue(): Promise<number> {
  const [row] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${schema}.timer_rung WHERE state = 'pending' AND due_at <= $1`,
    [clock.now()],
  );
  return row.n;
}

describe('sla: two replicas over 10,000 timers', () => {
  it('fire each rung exactly once, between them', async () => {
    const events: CloudEvent<LeadAssigned>[] = Array.from({ length: N }, (_, i) =>
      makeEvent('baton/routing', {
        topic: Topics.LeadAssigned,
        subject: `hubspot:contact:${i}`,
        id: `asg-${i}:assigned`,
        data: assignment(i, { at: t0.toISOString() }),
      }),
    );
    const arming = replicas[0].get<DeadlinesService>(DeadlinesService);
    for (let i = 0; i < N; i += 500) await arming.arm(events.slice(i, i + 500));
    const [armed] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.timer_rung`);
    expect(armed.n).toBe(3 * N);

    // Each step of the ladder in turn, both loops running.
    for (const step of [1.5 * HOUR, 2 * HOUR, 4 * HOUR]) {
      clock.set(new Date(t0.getTime() + step + 1_000));
      for (const r of replicas) r.loop.wake();
      await waitFor(
        async () => (await pendingDue()) === 0,
        180_000,
        `every rung due at +${step / HOUR} h fired`,
      );
    }
    const states = await query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM ${schema}.timer_rung GROUP BY state`,
    );
    expect(states).toEqual([{ state: 'fired', n: 3 * N }]);
    expect(firedBy[0] + firedBy[1]).toBe(3 * N);
    expect(firedBy[0]).toBeGreaterThan(0);
    expect(firedBy[1]).toBeGreaterThan(0);

    // On the broker: one sla.breached per rung, none twice.
    for (const r of replicas) await r.runtime.flushOutbox();
    const seen = await readTopic(kafkaFor(env), Topics.SlaBreached, {
      until: (m) => m.length >= 3 * N,
      timeoutMs: 180_000,
    });
    const ids = seen.map((m) => m.json<CloudEvent<{ timerId: string; rung: number }>>());
    expect(ids).toHaveLength(3 * N);
    expect(new Set(ids.map((e) => e.id)).size).toBe(3 * N);
    expect(new Set(ids.map((e) => `${e.data.timerId}/${e.data.rung}`)).size).toBe(3 * N);
    // …and nothing after them: the topic holds exactly that many messages.
    const admin = kafkaFor(env).client.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(`${env.KAFKA_TOPIC_PREFIX}${Topics.SlaBreached}`);
    await admin.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(3 * N);
    const reassignments = await readTopic(kafkaFor(env), Topics.LeadReassignmentRequested, {
      until: (m) => m.length >= N,
      timeoutMs: 180_000,
    });
    expect(new Set(reassignments.map((m) => m.key)).size).toBe(N);
  }, 900_000);
});
