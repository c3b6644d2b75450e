import { afterEach, describe, expect, it } from 'vitest';
import {
  Topics,
  type CloudEvent,
  type CrmCommand,
  type LeadQualified,
  type LeadRecycled,
  type LeadScored,
} from '@baton/domain';
import { query, readTopic, waitFor, type SeenMessage } from '@baton/testing';
import { ManualClock } from '@baton/platform';
import {
  NOW,
  engagement,
  hoursAgo,
  profile,
  qualifyingJourney,
  sampleRules,
  signalOf,
} from '../../test/fixtures.js';
import {
  cleanup,
  scoringEnv,
  startScoring,
  upstream,
  type ScoringTestEnv,
  type ScoringTestService,
  type Upstream,
} from '../../test/harness.js';
import { score } from './score.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

const rules = sampleRules();

async function setup(
  name: string,
  clock = new ManualClock(NOW),
): Promise<{ env: ScoringTestEnv; service: ScoringTestService; up: Upstream; clock: ManualClock }> {
  const env = scoringEnv(name);
  stops.push(() => cleanup(env));
  const service = await startScoring(env, { clock });
  stops.push(() => service.stop());
  const up = await upstream(env);
  stops.push(() => up.close());
  return { env, service, up, clock };
}

const data = <T>(m: SeenMessage) => m.json<CloudEvent<T>>().data;
const processedCount = async (schema: string) =>
  Number((await query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.processed_event`))[0].n);

describe('scoring service on the real broker and Postgres', () => {
  it('qualifies a lead once, with the full lead.qualified contract and the CRM handoff command', async () => {
    const { env, service, up } = await setup('qualify');
    const lead = 'hubspot:contact:101';
    await up.profiles([profile(lead, hoursAgo(100))]);
    await up.engagements(qualifyingJourney(lead));

    const qualified = await readTopic(up.kafka, Topics.LeadQualified, { until: (s) => s.length >= 1 });
    const q = data<LeadQualified>(qualified[0]);
    expect(qualified[0].key).toBe(lead);
    expect(qualified[0].json<{ id: string }>().id).toBe(`${lead}:1`);
    expect(q).toMatchObject({
      leadId: lead,
      qualificationId: `${lead}:1`,
      crm: {
        provider: 'hubspot',
        objectType: 'contact',
        id: '101',
        url: 'https://app.hubspot.com/contacts/1/record/0-1/101',
      },
      identity: {
        fullName: 'Dana Reyes',
        email: 'dana@acme.example',
        company: 'Acme',
        title: 'VP Engineering',
        country: 'DE',
      },
      firmographics: { employees: 1200, industry: 'Software' },
      threshold: 50,
      rulesVersion: rules.version,
      qualifiedAt: NOW.toISOString(),
    });
    expect(q.score).toBeGreaterThanOrEqual(50);
    expect(q.breakdown.reduce((a, b) => a + b.points, 0)).toBeCloseTo(q.score, 0);
    expect(q.highIntentSignals.map((h) => h.kind).sort()).toEqual([
      'content_downloaded',
      'demo_requested',
      'pricing_page_viewed',
    ]);
    expect(q.summary.length).toBeLessThanOrEqual(600);
    expect(q.summary).toContain('Requested a demo');
    expect(q.openingLine).toContain('Security whitepaper');

    const commands = await readTopic(up.kafka, Topics.CrmCommand, {
      until: (s) => s.some((m) => data<CrmCommand>(m).commandId === `${lead}:1:handoff`),
    });
    const handoff = commands
      .map((m) => data<CrmCommand>(m))
      .find((c) => c.commandId === `${lead}:1:handoff`)!;
    expect(handoff).toMatchObject({
      action: 'update_lead',
      leadId: lead,
      issuedBy: 'baton/scoring',
      changes: { lifecycleStage: 'sql', score: q.score, handoffSummary: q.summary },
    });

    const scored = await readTopic(up.kafka, Topics.LeadScored, {
      until: (s) => s.some((m) => data<LeadScored>(m).stage === 'sql'),
    });
    expect(scored.map((m) => data<LeadScored>(m)).find((s) => s.stage === 'sql')!.score).toBe(q.score);

    const changes = await query<{
      from_stage: string;
      to_stage: string;
      cause: string;
      cause_event_id: string;
    }>(
      `SELECT from_stage, to_stage, cause, cause_event_id FROM ${service.runtime.schema}.stage_change WHERE lead_id = $1 ORDER BY id`,
      [lead],
    );
    expect(changes.at(-1)).toMatchObject({ to_stage: 'sql' });
    expect(changes.at(-1)!.cause).toMatch(/high-intent signals/);
    expect(changes.at(-1)!.cause_event_id).toBeTruthy();
    expect(env.SCORING_CONSUMER_GROUP).toContain('baton-scoring');
  });

  it('scores re-delivered events once: same CloudEvent twice and the CRM re-sending the same signal', async () => {
    const { service, up } = await setup('redeliver');
    const lead = 'hubspot:contact:102';
    const journey = qualifyingJourney(lead);
    const crmProfile = profile(lead, hoursAgo(100));
    await up.profiles([crmProfile]);
    await up.engagements(journey);
    await up.engagements(journey); // the very same CloudEvents again
    await up.engagements(journey, (e) => `resent:${e.sourceEventId}`); // new envelope, same CRM event
    const schema = service.runtime.schema;
    await waitFor(async () => (await processedCount(schema)) === 11, 30_000, 'all 16 deliveries handled');
    await service.runtime.flushOutbox();

    const [row] = await query<{ score: number; qualification_count: number }>(
      `SELECT score, qualification_count FROM ${schema}.lead WHERE lead_id = $1`,
      [lead],
    );
    expect(row.qualification_count).toBe(1);
    expect(row.score).toBe(score(journey.map(signalOf), crmProfile, rules.policy, NOW).score);
    const [{ n }] = await query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.engagement WHERE lead_id = $1`,
      [lead],
    );
    expect(Number(n)).toBe(5);
    const qualified = await readTopic(up.kafka, Topics.LeadQualified, { until: (s) => s.length >= 1 });
    // Give any duplicate time to show up before asserting there is none.
    await new Promise((r) => setTimeout(r, 1000));
    const again = await readTopic(up.kafka, Topics.LeadQualified, { until: (s) => s.length >= 1 });
    expect(qualified).toHaveLength(1);
    expect(again).toHaveLength(1);
  });

  it('handles late events: an old signal that arrives last completes the evidence, and order does not change the score', async () => {
    const { service, up } = await setup('late');
    const inOrder = 'hubspot:contact:103';
    const reversed = 'hubspot:contact:104';
    const journeyA = qualifyingJourney(inOrder);
    const journeyB = qualifyingJourney(reversed);
    // Lead A: the whitepaper download (48 h old) arrives after everything else.
    const late = journeyA[1];
    await up.profiles([profile(inOrder, hoursAgo(100)), profile(reversed, hoursAgo(100))]);
    await up.engagements(journeyA.filter((e) => e !== late));
    await waitFor(
      async () => (await processedCount(service.runtime.schema)) === 6,
      20_000,
      'profiles and first four',
    );
    const [before] = await query<{ stage: string }>(
      `SELECT stage FROM ${service.runtime.schema}.lead WHERE lead_id = $1`,
      [inOrder],
    );
    expect(before.stage).not.toBe('sql');
    await up.engagements([late]);
    // Lead B: everything in reverse order.
    await up.engagements([...journeyB].reverse());

    const qualified = await readTopic(up.kafka, Topics.LeadQualified, { until: (s) => s.length >= 2 });
    const byLead = new Map(qualified.map((m) => [data<LeadQualified>(m).leadId, data<LeadQualified>(m)]));
    expect(byLead.get(inOrder)!.score).toBe(byLead.get(reversed)!.score);
    expect(byLead.get(inOrder)!.summary).toContain('Security whitepaper');
    expect(byLead.get(inOrder)!.highIntentSignals).toHaveLength(3);
  });

  it('recycles a "timing" disqualification to nurture, lets it qualify again later, and closes other reasons', async () => {
    const clock = new ManualClock(NOW);
    const { service, up } = await setup('recycle', clock);
    const schema = service.runtime.schema;
    const returned = 'hubspot:contact:105';
    const closed = 'hubspot:contact:106';
    await up.profiles([profile(returned, hoursAgo(200)), profile(closed, hoursAgo(200))]);
    await up.engagements([...qualifyingJourney(returned), ...qualifyingJourney(closed)]);
    await readTopic(up.kafka, Topics.LeadQualified, { until: (s) => s.length >= 2 });

    const dq = (leadId: string, reason: 'timing' | 'budget', n: number) => ({
      leadId,
      crm: { provider: 'hubspot' as const, objectType: 'contact', id: leadId.split(':')[2] },
      reason,
      occurredAt: NOW.toISOString(),
      sourceEventId: `dq-${n}`,
    });
    await up.disqualified(dq(returned, 'timing', 1));
    await up.disqualified(dq(closed, 'budget', 2));

    const recycled = await readTopic(up.kafka, Topics.LeadRecycled, { until: (s) => s.length >= 1 });
    const r = data<LeadRecycled>(recycled[0]);
    expect(r).toMatchObject({
      leadId: returned,
      reason: 'timing',
      previousStage: 'sql',
      nurtureProgram: 'recycled-nurture',
    });
    expect(r.scoreAfter).toBeLessThan(r.scoreBefore);
    expect(r.scoreAfter).toBe(30); // reset: only the fit points remain
    const commands = await readTopic(up.kafka, Topics.CrmCommand, {
      until: (s) =>
        s.some((m) => data<CrmCommand>(m).action === 'enrol_nurture') &&
        s.some((m) => data<CrmCommand>(m).commandId === 'close:dq:dq-2'),
    });
    const enrol = commands.map((m) => data<CrmCommand>(m)).find((c) => c.action === 'enrol_nurture')!;
    expect(enrol).toMatchObject({ leadId: returned, program: 'recycled-nurture' });
    const close = commands.map((m) => data<CrmCommand>(m)).find((c) => c.commandId === 'close:dq:dq-2')!;
    expect(close).toMatchObject({
      action: 'update_lead',
      changes: { lifecycleStage: 'disqualified', disqualificationReason: 'budget' },
    });

    const stages = await query<{ lead_id: string; stage: string }>(
      `SELECT lead_id, stage FROM ${schema}.lead ORDER BY lead_id`,
    );
    expect(stages).toEqual([
      { lead_id: returned, stage: 'nurture' },
      { lead_id: closed, stage: 'disqualified' },
    ]);
    const reasons = await query<{ reason: string; outcome: string }>(
      `SELECT reason, outcome FROM ${schema}.disqualification ORDER BY reason`,
    );
    expect(reasons).toEqual([
      { reason: 'budget', outcome: 'disqualified' },
      { reason: 'timing', outcome: 'nurture' },
    ]);

    // A month later both leads show intent again: the recycled one qualifies a second time, the closed one does not.
    const later = new Date(NOW.getTime() + 30 * 86_400_000);
    clock.set(later);
    const at = (h: number) => hoursAgo(h, later);
    await up.engagements([
      ...qualifyingJourney(returned, at).map((e) => ({ ...e, sourceEventId: `${e.sourceEventId}-again` })),
      ...qualifyingJourney(closed, at).map((e) => ({ ...e, sourceEventId: `${e.sourceEventId}-again` })),
    ]);
    const qualified = await readTopic(up.kafka, Topics.LeadQualified, { until: (s) => s.length >= 3 });
    const ids = qualified.map((m) => data<LeadQualified>(m).qualificationId).sort();
    expect(ids).toEqual([`${closed}:1`, `${returned}:1`, `${returned}:2`].sort());
    await new Promise((r) => setTimeout(r, 500));
    const [{ n }] = await query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.qualification`);
    expect(Number(n)).toBe(3);
    const engagementStart = await query(`SELECT 1 FROM ${schema}.engagement WHERE source_event_id = $1`, [
      engagement(closed, '5-again', 'demo_requested', NOW.toISOString()).sourceEventId,
    ]);
    expect(engagementStart).toHaveLength(1);
  });

  it("never scores from stale signals held in memory: another replica's signals and a rolled-back batch are seen", async () => {
    const env = scoringEnv('cache');
    stops.push(() => cleanup(env));
    const clock = new ManualClock(NOW);
    const a = await startScoring(env, { clock, consume: false });
    stops.push(() => a.stop());
    const b = await startScoring(env, { clock, consume: false });
    stops.push(() => b.stop());
    const lead = 'hubspot:contact:808';
    const p = profile(lead, hoursAgo(200));
    const e = [
      engagement(lead, 1, 'pricing_page_viewed', hoursAgo(50), { url: 'https://acme.example/pricing' }),
      engagement(lead, 2, 'content_downloaded', hoursAgo(40), {
        title: 'Security whitepaper',
        contentTag: 'security',
      }),
      engagement(lead, 3, 'page_viewed', hoursAgo(30), { url: 'https://acme.example/product/sso' }),
      engagement(lead, 4, 'page_viewed', hoursAgo(20), { url: 'https://acme.example/customers' }),
      engagement(lead, 5, 'demo_requested', hoursAgo(10), { formId: 'demo', title: 'Book a demo' }),
      engagement(lead, 6, 'email_clicked', hoursAgo(5), { campaign: 'nov-webinar' }),
    ];
    const apply = (svc: ScoringTestService, items: typeof e, id: string) =>
      svc.runtime.transaction((em) =>
        svc.engine.apply(
          em,
          items.map((data, i) => ({ type: 'engagement' as const, eventId: `${id}-${i}`, data })),
        ),
      );
    const stored = async () =>
      (
        await query<{ score: number }>(`SELECT score FROM ${env.DATABASE_SCHEMA}.lead WHERE lead_id = $1`, [
          lead,
        ])
      )[0].score;
    const expected = (items: typeof e) => score(items.map(signalOf), p, rules.policy, NOW).score;

    await a.runtime.transaction((em) =>
      a.engine.apply(em, [{ type: 'profile', eventId: 'profile-1', data: p }]),
    );
    await apply(a, [e[0], e[1]], 'a1'); // replica a now holds the lead's signals in memory
    await apply(b, [e[2]], 'b1'); // another replica adds one
    await apply(a, [e[3]], 'a2'); // a must see b's signal
    expect(await stored()).toBe(expected([e[0], e[1], e[2], e[3]]));

    // A batch that a applied but whose transaction rolled back must not count later.
    await expect(
      a.runtime.transaction(async (em) => {
        await a.engine.apply(em, [{ type: 'engagement', eventId: 'a3-0', data: e[4] }]);
        throw new Error('the commit failed');
      }),
    ).rejects.toThrow('the commit failed');
    await apply(a, [e[5]], 'a4');
    expect(await stored()).toBe(expected([e[0], e[1], e[2], e[3], e[5]]));
    expect(expected([e[0], e[1], e[2], e[3], e[5]])).not.toBe(expected([e[0], e[1], e[2], e[3], e[4], e[5]]));
  });
});
