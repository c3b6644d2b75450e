import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Topics, type CloudEvent, type LeadEngagement, type LeadQualified } from '@baton/domain';
import { query, readTopic, waitFor, type TestKafka } from '@baton/testing';
import { systemClock } from '@baton/platform';
import { testEnvOf } from '@baton/service-testing';
import { engagement, profile, qualifyingJourney } from '../../test/fixtures.js';
import { cleanup, scoringEnv, startScoring, upstream, type ScoringTestEnv } from '../../test/harness.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const POLICY_DIR = fileURLToPath(new URL('../../config/policy', import.meta.url));

/** Leads whose journeys (12 signals each, relative to now) qualify under the sample policy. */
function traffic(count: number, offset: number): { leads: string[]; events: LeadEngagement[] } {
  const now = Date.now();
  const at = (h: number) => new Date(now - h * 3_600_000).toISOString();
  const leads = Array.from({ length: count }, (_, i) => `hubspot:contact:${offset + i}`);
  const events = leads.flatMap((lead) => [
    ...qualifyingJourney(lead, at),
    ...Array.from({ length: 7 }, (_, n) =>
      engagement(lead, 10 + n, 'page_viewed', at(30 + n), { url: `https://acme.example/docs/${n}` }),
    ),
  ]);
  return { leads, events };
}

async function count(sql: string): Promise<number> {
  return Number((await query<{ n: string }>(sql))[0].n);
}

/** The service's real main (runService) in its own process, with the test API token. */
function startChild(env: ScoringTestEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', MAIN], {
    env: {
      ...process.env,
      ...testEnvOf(env, {
        PORT: '0',
        BATON_POLICY_DIR: POLICY_DIR,
        SCORING_CONSUMER_BATCH: '40',
        SCORING_CONSUMER_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'error',
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.on('exit', (code, sig) => resolve(sig ?? code)));
}

async function qualificationsPerLead(kafka: TestKafka, expected: number): Promise<Map<string, Set<string>>> {
  const seen = await readTopic(kafka, Topics.LeadQualified, {
    until: (s) => new Set(s.map((m) => m.json<CloudEvent<LeadQualified>>().data.leadId)).size >= expected,
    timeoutMs: 60_000,
  });
  const perLead = new Map<string, Set<string>>();
  for (const m of seen) {
    const q = m.json<CloudEvent<LeadQualified>>();
    // A replayed relay round repeats the same CloudEvent id; it never makes a new qualification.
    expect(q.id).toBe(q.data.qualificationId);
    perLead.set(q.data.leadId, (perLead.get(q.data.leadId) ?? new Set()).add(q.data.qualificationId));
  }
  return perLead;
}

describe('scoring under failure and scale-out', () => {
  it('loses nothing and qualifies nothing twice when the service is SIGKILLed in the middle of a batch', async () => {
    const env = scoringEnv('crash');
    stops.push(() => cleanup(env));
    const { leads, events } = traffic(400, 1000);
    const schema = env.DATABASE_SCHEMA!;

    const first = startChild(env);
    stops.push(async () => {
      first.child.kill('SIGKILL');
      await exited(first.child);
    });
    // Wait for the service to have created its schema and topics, then send the traffic.
    await waitFor(
      async () =>
        (await count(
          `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = 'engagement'`,
        )) === 1,
      60_000,
      'service started',
    );
    // The upstream waits for the topics the service provisions.
    const up = await upstream(env);
    stops.push(() => up.close());
    await up.profiles(leads.map((l) => profile(l, new Date(Date.now() - 400 * 3_600_000).toISOString())));
    await up.engagements(events);
    const atKill = await waitFor(
      async () => {
        const n = await count(`SELECT count(*) AS n FROM ${schema}.engagement`);
        return n > 200 ? n : false;
      },
      60_000,
      'processing under way',
    );
    first.child.kill('SIGKILL');
    expect(await exited(first.child), first.output()).toBe('SIGKILL');
    expect(atKill).toBeLessThan(events.length);
    console.log(`[crash] killed after ${atKill} of ${events.length} signals were stored`);

    const second = startChild(env);
    stops.push(async () => {
      second.child.kill('SIGTERM');
      await exited(second.child);
    });
    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM ${schema}.engagement`)) === events.length,
      90_000,
      'every signal stored',
    );
    const perLead = await qualificationsPerLead(up.kafka, leads.length);
    expect(perLead.size).toBe(leads.length);
    for (const [lead, ids] of perLead) expect([...ids], lead).toEqual([`${lead}:1`]);
    expect(await count(`SELECT count(*) AS n FROM ${schema}.qualification`)).toBe(leads.length);
    expect(
      await count(`SELECT count(*) AS n FROM ${schema}.lead WHERE stage = 'sql' AND qualification_count = 1`),
    ).toBe(leads.length);
    // Graceful stop: Nest runs the shutdown hooks (consumers commit, relay drains), then re-raises SIGTERM.
    second.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await exited(second.child));
    expect(second.output()).not.toMatch(/"level":"error"/);
  });

  it('two replicas in one consumer group share the partitions and qualify each lead exactly once, across a rebalance', async () => {
    const env = scoringEnv('replicas');
    stops.push(() => cleanup(env));
    const a = await startScoring(env, { clock: systemClock });
    stops.push(() => a.stop());
    const b = await startScoring(env, { clock: systemClock });
    let bStopped = false;
    stops.push(() => (bStopped ? Promise.resolve() : b.stop()));
    const up = await upstream(env);
    stops.push(() => up.close());

    const handledBy = { a: 0, b: 0 };
    a.consumer.raw.on(a.consumer.raw.events.END_BATCH_PROCESS, (e) => (handledBy.a += e.payload.batchSize));
    b.consumer.raw.on(b.consumer.raw.events.END_BATCH_PROCESS, (e) => (handledBy.b += e.payload.batchSize));

    const { leads, events } = traffic(120, 5000);
    await up.profiles(leads.map((l) => profile(l, new Date(Date.now() - 400 * 3_600_000).toISOString())));
    const half = Math.floor(events.length / 2);
    await up.engagements(events.slice(0, half));
    await waitFor(async () => handledBy.a > 0 && handledBy.b > 0, 30_000, 'both replicas consuming');
    // Replica B leaves mid-stream; A takes over its partitions.
    await b.stop();
    bStopped = true;
    await up.engagements(events.slice(half));

    const schema = env.DATABASE_SCHEMA!;
    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM ${schema}.engagement`)) === events.length,
      60_000,
      'every signal stored',
    );
    const perLead = await qualificationsPerLead(up.kafka, leads.length);
    expect(perLead.size).toBe(leads.length);
    for (const [lead, ids] of perLead) expect([...ids], lead).toEqual([`${lead}:1`]);
    expect(await count(`SELECT count(*) AS n FROM ${schema}.qualification`)).toBe(leads.length);
  });
});
