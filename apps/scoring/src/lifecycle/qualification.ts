import { canTransition, type LifecycleStage } from '@baton/domain';
import type { ScoringPolicy } from '../policy/scoring-policy.js';
import type { ScoreResult } from '../scoring/score.js';

export type EvidenceVerdict =
  { level: 'sql' } | { level: 'mql'; missing: string[] } | { level: 'none'; missing: string[] };

/**
 * The hard qualification definition: SQL when the score reaches the SQL threshold AND at
 * least N distinct high-intent signals were seen AND no disqualifying fit rule hit (which
 * needs the profile: by default no lead becomes SQL before its CRM profile is known).
 */
export function judgeEvidence(result: ScoreResult, policy: ScoringPolicy): EvidenceVerdict {
  const t = policy.thresholds;
  const missing: string[] = [];
  if (result.score < t.sql) missing.push(`score ${result.score} < ${t.sql}`);
  if (result.highIntentSignals.length < t.minHighIntentSignals) {
    missing.push(`${result.highIntentSignals.length} of ${t.minHighIntentSignals} high-intent signals`);
  }
  if (t.requireProfile && !result.profileKnown) missing.push('no CRM profile yet');
  if (result.disqualifyingFitRules.length > 0)
    missing.push(`disqualifying fit: ${result.disqualifyingFitRules.join(', ')}`);
  if (missing.length === 0) return { level: 'sql' };
  return result.score >= t.mql ? { level: 'mql', missing } : { level: 'none', missing };
}

/** Stages from which marketing evidence may move a lead forward. */
const RANK: Partial<Record<LifecycleStage, number>> = { subscriber: 0, lead: 1, nurture: 1, mql: 2, sql: 3 };

/**
 * Where the evidence takes the lead from its current stage, or undefined to stay.
 * Evidence only moves a lead forward: a decaying score never demotes an MQL, and leads
 * with sales (SQL, opportunity, customer) or closed as disqualified are not touched.
 */
export function nextStage(current: LifecycleStage, verdict: EvidenceVerdict): LifecycleStage | undefined {
  if (verdict.level === 'none') return undefined;
  const target: LifecycleStage = verdict.level;
  const from = RANK[current];
  if (from === undefined || from >= RANK[target]!) return undefined;
  return canTransition(current, target) ? target : undefined;
}
