import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { query, readTopic, waitFor } from '@baton/testing';
import { ManualClock } from '@baton/platform';
import { parseScoringRules } from '../policy/scoring-policy.js';
import {
  NOW,
  POLICY_FILE,
  crmOf,
  engagement,
  hoursAgo,
  profile,
  qualifyingJourney,
} from '../../test/fixtures.js';
import { cleanup, scoringEnv, startScoring, upstream } from '../../test/harness.js';
import { ScoreReviewService } from './score-review.service.js';
import type { ScoreReview } from './score-review.js';
import type { LeadHistory } from '../leads/lead.controller.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

describe('score review and backtest on stored history', () => {
  it('reports conversion by band, SQL -> opportunity and the best threshold over HTTP, and backtests a candidate', async () => {
    const env = scoringEnv('review');
    stops.push(() => cleanup(env));
    const service = await startScoring(env, { clock: new ManualClock(NOW) });
    stops.push(() => service.stop());
    const up = await upstream(env);
    stops.push(() => up.close());

    const strong = Array.from({ length: 6 }, (_, i) => `hubspot:contact:${300 + i}`);
    const weak = Array.from({ length: 6 }, (_, i) => `hubspot:contact:${400 + i}`);
    await up.profiles([...strong, ...weak].map((l) => profile(l, hoursAgo(300))));
    await up.engagements([
      ...strong.flatMap((l) => qualifyingJourney(l)),
      ...weak.flatMap((l) => [
        engagement(l, 1, 'page_viewed', hoursAgo(50), { url: 'https://acme.example/blog/x' }),
      ]),
    ]);
    await readTopic(up.kafka, Topics.LeadQualified, { until: (s) => s.length >= 6 });

    // Sales turns four SQLs and one weak lead into pipeline, through both kinds of CRM signal.
    await up.activities(
      strong.slice(0, 2).map((l, n) => ({
        leadId: l,
        crm: crmOf(l),
        kind: 'stage_changed' as const,
        occurredAt: hoursAgo(1),
        sourceEventId: `opp-${n}`,
        stage: { from: 'sql' as const, to: 'opportunity' as const },
      })),
    );
    await up.profiles(
      [...strong.slice(2, 4), weak[0]].map((l) => profile(l, hoursAgo(1), { lifecycleStage: 'opportunity' })),
    );
    await up.disqualified({
      leadId: weak[5],
      crm: crmOf(weak[5]),
      reason: 'budget',
      occurredAt: hoursAgo(1),
      sourceEventId: 'dq-budget',
    });
    const schema = service.runtime.schema;
    await waitFor(
      async () => {
        const [r] = await query<{ opp: string; dq: string }>(
          `SELECT (SELECT count(*) FROM ${schema}.lead WHERE opportunity_at IS NOT NULL) AS opp, (SELECT count(*) FROM ${schema}.disqualification) AS dq`,
        );
        return Number(r.opp) === 5 && Number(r.dq) === 1;
      },
      20_000,
      'pipeline facts stored',
    );
    const stages = await query<{ stage: string; n: string }>(
      `SELECT stage, count(*) AS n FROM ${schema}.lead GROUP BY stage ORDER BY stage`,
    );
    expect(stages).toContainEqual({ stage: 'opportunity', n: '4' });

    const from = new Date(NOW.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(NOW.getTime() + 86_400_000).toISOString().slice(0, 10);
    const res = await service.fetch(`/review?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const review = (await res.json()) as ScoreReview;
    expect(review.leads).toBe(12);
    expect(review.converted).toBe(5);
    expect(review.sql).toEqual({ qualifications: 6, leads: 6, becameOpportunity: 4, conversionRate: 0.667 });
    expect(review.bands).toEqual([
      expect.objectContaining({ band: '30-40', leads: 6, converted: 1 }),
      expect.objectContaining({ band: '80-90', leads: 6, converted: 4 }),
    ]);
    expect(review.bestThreshold!.threshold).toBeGreaterThan(31);
    expect(review.bestThreshold!.threshold).toBeLessThanOrEqual(81);
    expect(review.bestThreshold!.recall).toBe(0.8);
    expect(review.currentThreshold).toMatchObject({ threshold: 50, recall: 0.8 });
    expect(review.disqualifications).toEqual([{ reason: 'budget', outcome: 'disqualified', count: 1 }]);

    const bad = await service.fetch(`/review?from=${to}&to=${from}`);
    expect(bad.status).toBe(400);

    // Why is this lead where it is: stage changes with their causes, the brief with its evidence.
    const why = (await (
      await service.fetch(`/leads/${encodeURIComponent(strong[0])}`)
    ).json()) as LeadHistory;
    expect(why.stageChanges.map((c) => c.to).slice(-2)).toEqual(['sql', 'opportunity']);
    expect(why.stageChanges.at(-2)!.cause).toMatch(/score .* >= 50 with 3 high-intent signals/);
    expect(why.stageChanges.at(-1)!.cause).toBe('crm activity: stage changed to opportunity');
    expect(why.qualifications[0]).toMatchObject({
      qualificationId: `${strong[0]}:1`,
      writtenBy: 'deterministic',
    });
    expect((await service.fetch(`/leads/hubspot:contact:999999`)).status).toBe(404);

    // A looser candidate: 30 points and no high-intent requirement would have made every lead an SQL.
    const loose = readFileSync(POLICY_FILE, 'utf8')
      .replace('sql: 50', 'sql: 30')
      .replace('minHighIntentSignals: 3', 'minHighIntentSignals: 0')
      .replace('mql: 25', 'mql: 20');
    const candidate = parseScoringRules('candidate.yaml', loose);
    const result = await service
      .get<ScoreReviewService>(ScoreReviewService)
      .backtest({ from: new Date(from), to: new Date(to) }, candidate);
    expect(result.current).toMatchObject({ leads: 12, sqls: 6, sqlsConverted: 4, convertersMissed: 1 });
    expect(result.candidate).toMatchObject({
      leads: 12,
      sqls: 12,
      sqlsConverted: 5,
      convertersMissed: 0,
      rulesVersion: candidate.version,
    });
  });
});
