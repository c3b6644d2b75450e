import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Topics, makeEvent, type CloudEvent } from '@baton/domain';
import { ManualClock, systemClock } from '@baton/platform';
import { killSpawnedServices, spawnService } from '@baton/service-testing';
import { dropSchema, isolatedEnv, kafkaFor, query, readTopic, waitFor } from '@baton/testing';
import { DeadlinesService } from '../src/deadlines/deadlines.service.js';
import { parseSlaPolicy } from '../src/policy/policy.js';
import { HOUR, assignment, startSla, wallClockPolicyText } from './harness.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const N = 5_000;
const env = isolatedEnv('sla-crash');
const schema = env.DATABASE_SCHEMA!;
const policyText = wallClockPolicyText('crash-test', [
  '{ at: 75%, action: remind_rep }',
  '{ at: 100%, action: escalate_to_manager }',
]);
const policyDir = mkdtempSync(join(tmpdir(), 'sla-crash-'));
writeFileSync(join(policyDir, 'sla.yaml'), policyText);

afterAll(async () => {
  killSpawnedServices();
  rmSync(policyDir, { recursive: true, force: true });
  await dropSchema(schema);
});

async function count(sql: string): Promise<number> {
  return (await query<{ n: number }>(sql))[0].n;
}

describe('sla: SIGKILL during a firing round', () => {
  it('loses nothing and fires nothing twice', async () => {
    // Arm N timers on the real clock (the reminder 90 minutes out), then stop: no firing yet.
    const now = systemClock.now();
    const arming = await startSla(env, new ManualClock(now), {
      policy: parseSlaPolicy(policyText),
      consume: false,
      env: { SLA_FIRING: 'off' },
    });
    const events = Array.from({ length: N }, (_, i) =>
      makeEvent('baton/routing', {
        topic: Topics.LeadAssigned,
        subject: `hubspot:contact:${i}`,
        id: `asg-${i}:assigned`,
        data: assignment(i, { at: now.toISOString() }),
      }),
    );
    const service = arming.get<DeadlinesService>(DeadlinesService);
    for (let i = 0; i < N; i += 500) await service.arm(events.slice(i, i + 500));
    await arming.stop();

    // The real main, its clock 95 minutes ahead (SLA_CLOCK_SHIFT_MS): every reminder is due, no escalation.
    const vars = {
      BATON_POLICY_DIR: policyDir,
      SLA_CLOCK_SHIFT_MS: String(1.5 * HOUR + 5 * 60_000),
      SLA_FIRING_BATCH: '100',
    };
    const first = spawnService(MAIN, env, vars);
    const fired = () => count(`SELECT count(*)::int AS n FROM ${schema}.timer_rung WHERE state = 'fired'`);
    const atKill = await waitFor(
      async () => {
        const n = await fired();
        return n >= 300 ? n : undefined;
      },
      120_000,
      'the first replica firing',
    );
    first.kill('SIGKILL');
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    const firedAtKill = await fired();
    expect(firedAtKill).toBeGreaterThanOrEqual(atKill);
    expect(firedAtKill).toBeLessThan(N);

    // Restarted: the rest fires; what was fired stays fired.
    const second = spawnService(MAIN, env, vars);
    await second.ready(120_000);
    await waitFor(async () => (await fired()) === N, 180_000, 'every reminder fired');
    await waitFor(
      async () => (await count(`SELECT count(*)::int AS n FROM ${schema}.outbox`)) === 0,
      120_000,
      'the outbox drained',
    );
    expect(
      await count(`SELECT count(*)::int AS n FROM ${schema}.timer_rung WHERE rung = 1 AND state = 'pending'`),
    ).toBe(N);

    // On the broker: every reminder, each with one event id. A relay killed between publishing and
    // deleting its rows republishes the same events (same id), which consumers drop as duplicates.
    const seen = await readTopic(kafkaFor(env), Topics.SlaBreached, {
      until: (m) => new Set(m.map((x) => x.json<CloudEvent<unknown>>().id)).size >= N,
      timeoutMs: 180_000,
    });
    const breaches = seen.map((m) => m.json<CloudEvent<{ timerId: string; rung: number }>>());
    const idsByRung = new Map<string, Set<string>>();
    for (const e of breaches) {
      const key = `${e.data.timerId}/${e.data.rung}`;
      idsByRung.set(key, (idsByRung.get(key) ?? new Set()).add(e.id));
    }
    expect(idsByRung.size).toBe(N);
    expect([...idsByRung.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(breaches.every((e) => e.data.rung === 0)).toBe(true);
    second.kill('SIGTERM');
    await second.exited;
    console.log(
      `[sla] SIGKILL with ${firedAtKill}/${N} reminders fired; after the restart ${N}/${N}, ${breaches.length - N} relay duplicate(s) on the broker`,
    );
  }, 600_000);
});
