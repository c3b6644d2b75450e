/**
 * Routing throughput on the real broker and Postgres, beside the raw kafkajs floor of the same run.
 *
 *   npx nx run routing:bench            (BENCH_LEADS=20000 by default)
 *
 * 1. raw kafkajs: produce N CloudEvent-sized messages (acks=all) and consume them with a no-op
 *    eachBatch: the ceiling any consumer on this broker and machine can reach;
 * 2. the router alone, in memory (rules + eligibility + rotation, no I/O);
 * 3. routing decisions/s: N lead.qualified already on the topic, one routing instance consuming
 *    them; a decision counts when its assignment row (with the full audit) and its outbox events
 *    are committed. Then the time until every lead.assigned is on the broker.
 */
import { performance } from 'node:perf_hooks';
import { Topics, makeEvent, type LeadQualified } from '@baton/domain';
import { provisionTopics } from '@baton/kafka';
import { JsonLogger } from '@baton/observability';
import { dropSchema, isolatedEnv, query, rawKafkaFloor } from '@baton/testing';
import { RoutingBook, decide } from '../src/assignment/router.js';
import { ManualClock } from '@baton/platform';
import { parseRoutingPolicy, workingHoursOf } from '../src/policy/policy.js';
import type { RepState } from '../src/roster/rep.js';
import { leadFacts } from '../src/rules/lead-facts.js';
import { withKafkaRetry } from '@baton/service-testing';
import { startRouting, upstreamPublisher } from '../test/harness.js';

const N = Number(process.env.BENCH_LEADS ?? 20_000);
JsonLogger.configure({ level: 'error' });

// A realistic roster: 30 reps in three regions, every rule kind, around-the-clock hours so the
// figures do not depend on the hour the benchmark runs at.
const hours = `{ mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"] }`;
const zones = [
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'Europe/Berlin',
  'Europe/London',
];
const reps = Array.from({ length: 30 }, (_, i) => {
  const region = i < 12 ? 'na-ent' : i < 22 ? 'na-smb' : 'emea';
  const territories = region === 'emea' ? '[DE, GB, FR]' : '[US, CA]';
  return `  - { id: rep${i}, name: Rep ${i}, email: rep${i}@example.com, crmOwnerIds: { hubspot: "${1000 + i}" }, slackUserId: U${i}, managerId: mgr, timeZone: ${zones[i % zones.length]}, workingHours: ${hours}, territories: ${territories}, weight: ${1 + (i % 3)}, dailyCapacity: 1000000 }`;
});
const policy = parseRoutingPolicy(
  `
version: bench
managers: [{ id: mgr, name: Mia Manager, email: mia@example.com, timeZone: UTC }]
reps:
${reps.join('\n')}
pools:
  - { id: na-ent, members: [${Array.from({ length: 12 }, (_, i) => `rep${i}`).join(', ')}], managerId: mgr, fallbackPool: na-smb }
  - { id: na-smb, members: [${Array.from({ length: 10 }, (_, i) => `rep${i + 12}`).join(', ')}], managerId: mgr, hoursMode: next_available }
  - { id: emea, members: [${Array.from({ length: 8 }, (_, i) => `rep${i + 22}`).join(', ')}], managerId: mgr }
`,
  `
version: bench
segments: [{ id: smb, maxEmployees: 199 }, { id: mid_market, minEmployees: 200, maxEmployees: 999 }, { id: enterprise, minEmployees: 1000 }]
rules:
  - { id: keep-owner, strategy: existing_owner }
  - { id: na-ent, when: { country: [US, CA], segment: [enterprise, mid_market] }, strategy: weighted_rotation, pool: na-ent }
  - { id: emea, when: { country: [DE, GB, FR] }, strategy: weighted_rotation, pool: emea }
  - { id: rest, strategy: least_loaded, pool: na-smb }
`,
);

const countries = ['US', 'US', 'US', 'CA', 'DE', 'GB', 'FR'];
function lead(n: number): LeadQualified {
  const leadId = `hubspot:contact:${n}`;
  return {
    leadId,
    qualificationId: `q-${n}`,
    crm: {
      provider: 'hubspot',
      objectType: 'contact',
      id: String(n),
      url: `https://app.hubspot.com/contacts/1/record/0-1/${n}`,
    },
    identity: {
      fullName: `Prospect ${n}`,
      email: `p${n}@company${n % 15000}.com`,
      company: `Company ${n % 15000}`,
      title: 'VP Sales',
      country: countries[n % countries.length],
    },
    firmographics: {
      employees: [50, 400, 2500][n % 3],
      industry: 'software',
      source: 'webinar',
      productInterest: ['platform'],
    },
    score: 70 + (n % 30),
    threshold: 60,
    breakdown: [
      {
        ruleId: 'demo',
        label: 'Requested a demo',
        group: 'engagement',
        points: 40,
        signal: 'demo_requested',
      },
      { ruleId: 'fit', label: 'Employees 200+', group: 'fit', points: 20 },
    ],
    highIntentSignals: [
      { kind: 'demo_requested', label: 'Requested a demo', lastSeenAt: '2026-11-23T14:00:00.000Z' },
    ],
    summary: 'Requested a demo after two pricing-page visits and a webinar on security.',
    rulesVersion: 'bench',
    qualifiedAt: '2026-11-23T15:00:00.000Z',
  };
}

const at = new Date('2026-11-23T15:00:00Z');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function routerOnly(): number {
  const repsMap = new Map<string, RepState>(
    policy.roster.reps.map((r) => [
      r.id,
      { ...r, workingHours: workingHoursOf(r, policy.roster), inRoster: true, openLeads: 0 },
    ]),
  );
  const book = new RoutingBook(repsMap, new Map());
  const facts = Array.from({ length: N }, (_, n) => {
    const q = lead(n);
    return leadFacts(
      { leadId: q.leadId, provider: 'hubspot', identity: q.identity, firmographics: q.firmographics },
      policy.routing,
    );
  });
  const t0 = performance.now();
  for (const f of facts) decide(f, policy, book, at);
  return N / ((performance.now() - t0) / 1000);
}

/** The decision transaction alone (claims, locks, decide, assignment + audit rows, outbox rows), no Kafka. */
async function transactionOnly(): Promise<number> {
  const env = isolatedEnv('bench-routing-tx');
  const routing = await startRouting(env, policy, new ManualClock(at), { consume: false, relay: false });
  const events = Array.from({ length: N }, (_, n) =>
    makeEvent('baton/scoring', { topic: Topics.LeadQualified, subject: lead(n).leadId, data: lead(n) }),
  );
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) await routing.service.assignQualified(events.slice(i, i + 500));
  const rate = N / ((performance.now() - t0) / 1000);
  await routing.stop();
  await dropSchema(env.DATABASE_SCHEMA!);
  return rate;
}

async function main(): Promise<void> {
  const env = isolatedEnv('bench-routing', { KAFKA_TOPIC_PARTITIONS: 6 });
  const sample = JSON.stringify({
    specversion: '1.0',
    id: 'x',
    source: 'baton/scoring',
    type: 'baton.lead.qualified.v1',
    subject: 'hubspot:contact:1',
    time: at.toISOString(),
    datacontenttype: 'application/json',
    data: lead(1),
  });
  console.log(
    `routing benchmark: ${fmt(N)} leads, ${env.KAFKA_TOPIC_PARTITIONS} partitions, 30 reps / 3 pools / 4 rules; message ~${sample.length} bytes`,
  );

  const raw = await rawKafkaFloor(
    env,
    Array.from({ length: N }, (_, i) => ({ key: `hubspot:contact:${i}`, value: sample })),
  );
  const inMemory = routerOnly();
  const txOnly = await transactionOnly();

  // Qualified leads waiting on the topic before routing starts (a backlog after a deploy).
  const { kafka, publisher } = await upstreamPublisher(env, 'scoring');
  await provisionTopics(kafka, [Topics.LeadQualified], {
    partitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: 1,
  });
  for (let i = 0; i < N; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
      topic: Topics.LeadQualified,
      subject: lead(i + j).leadId,
      data: lead(i + j),
      id: `bench-${i + j}`,
    }));
    await withKafkaRetry(() => publisher.publish(chunk));
  }
  await publisher.disconnect();

  const schema = env.DATABASE_SCHEMA!;
  const routing = await startRouting(env, policy, new ManualClock(at), {
    maxBatch: Number(process.env.BENCH_BATCH ?? 500),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 1),
  });
  let first = 0;
  let firstCount = 0;
  let decidedAt = 0;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const count = Number((await query(`SELECT count(*) AS n FROM ${schema}.assignment`))[0].n);
    if (count > 0 && first === 0) {
      first = performance.now();
      firstCount = count;
    }
    if (count >= N) {
      decidedAt = performance.now();
      break;
    }
    if (Date.now() > deadline) throw new Error(`only ${count} of ${N} decided in 5 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (;;) {
    const waiting = Number((await query(`SELECT count(*) AS n FROM ${schema}.outbox`))[0].n);
    if (waiting === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const publishedAt = performance.now();
  const decisionsPerSecond = (N - firstCount) / ((decidedAt - first) / 1000);
  const endToEnd = (N - firstCount) / ((publishedAt - first) / 1000);
  const strategies = await query(
    `SELECT strategy, count(*)::int AS n FROM ${schema}.assignment GROUP BY strategy ORDER BY strategy`,
  );
  const auditBytes = await query(`SELECT avg(pg_column_size(audit))::int AS b FROM ${schema}.assignment`);
  await routing.stop();
  await dropSchema(schema);

  const rows: [string, string][] = [
    ['raw kafkajs produce (acks=all, idempotent)', `${fmt(raw.produce)} msg/s`],
    ['raw kafkajs consume (no-op eachBatch)', `${fmt(raw.consume)} msg/s`],
    ['router in memory (rules + eligibility + rotation)', `${fmt(inMemory)} decisions/s`],
    ['decision transactions alone, batches of 500 (no Kafka)', `${fmt(txOnly)} decisions/s`],
    ['routing: decisions committed (assignment + audit + outbox)', `${fmt(decisionsPerSecond)} decisions/s`],
    ['routing: until every lead.assigned is on the broker', `${fmt(endToEnd)} leads/s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v.padStart(22)}`);
  console.log(
    `  strategies: ${strategies.map((s) => `${s.strategy}=${s.n}`).join(', ')}; audit ~${auditBytes[0].b} bytes/decision`,
  );
  console.log(
    `  target >= 2,000 decisions/s per instance: ${decisionsPerSecond >= 2000 ? 'met' : 'NOT met'}`,
  );
}

await main();
process.exit(0);
