import type { LeadProfile } from '@baton/domain';
import { judgeEvidence } from '../lifecycle/qualification.js';
import type { ScoringRules } from '../policy/scoring-policy.js';
import { canonicalOrder, score, type Signal } from '../scoring/score.js';

/** A review period, `from` included, `to` excluded. */
export interface Period {
  from: Date;
  to: Date;
}

/** One lead as review sees it: its best score and whether sales turned it into pipeline. */
export interface ReviewedLead {
  leadId: string;
  peakScore: number;
  converted: boolean;
}

export interface ScoreBand {
  band: string;
  from: number;
  to: number | null;
  leads: number;
  converted: number;
  conversionRate: number;
}

export interface ThresholdFit {
  threshold: number;
  /** Share of converters at or above it. */
  recall: number;
  /** Share of non-converters at or above it. */
  falsePositiveRate: number;
  /** Converters among the leads at or above it. */
  precision: number;
  /** recall - falsePositiveRate (Youden's J): how well the threshold separates converters. */
  separation: number;
}

export interface ScoreReview {
  period: { from: string; to: string };
  leads: number;
  converted: number;
  bands: ScoreBand[];
  sql: { qualifications: number; leads: number; becameOpportunity: number; conversionRate: number };
  bestThreshold: ThresholdFit | null;
  currentThreshold: ThresholdFit | null;
  disqualifications: { reason: string; outcome: string; count: number }[];
}

const rate = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);

export function scoreBands(leads: ReviewedLead[], width = 10): ScoreBand[] {
  const bands = new Map<number, ScoreBand>();
  for (const l of leads) {
    const from = Math.floor(l.peakScore / width) * width;
    const band = bands.get(from) ?? {
      band: `${from}-${from + width}`,
      from,
      to: from + width,
      leads: 0,
      converted: 0,
      conversionRate: 0,
    };
    band.leads += 1;
    if (l.converted) band.converted += 1;
    bands.set(from, band);
  }
  return [...bands.values()]
    .sort((a, b) => a.from - b.from)
    .map((b) => ({ ...b, conversionRate: rate(b.converted, b.leads) }));
}

export function thresholdFit(leads: ReviewedLead[], threshold: number): ThresholdFit {
  const positives = leads.filter((l) => l.converted).length;
  const negatives = leads.length - positives;
  const above = leads.filter((l) => l.peakScore >= threshold);
  const tp = above.filter((l) => l.converted).length;
  const recall = rate(tp, positives);
  const falsePositiveRate = rate(above.length - tp, negatives);
  return {
    threshold,
    recall,
    falsePositiveRate,
    precision: rate(tp, above.length),
    separation: Math.round((recall - falsePositiveRate) * 1000) / 1000,
  };
}

/** The threshold (on a step grid) that best separates converters from the rest; null without converters. */
export function bestThreshold(leads: ReviewedLead[], step = 5): ThresholdFit | null {
  if (!leads.some((l) => l.converted) || leads.every((l) => l.converted)) return null;
  const max = Math.max(...leads.map((l) => l.peakScore));
  let best: ThresholdFit | null = null;
  for (let t = 0; t <= max + step; t += step) {
    const fit = thresholdFit(leads, t);
    if (!best || fit.separation > best.separation) best = fit;
  }
  return best;
}

export interface HistoryLead {
  leadId: string;
  signals: Signal[];
  profile?: LeadProfile;
  converted: boolean;
}

export interface BacktestResult {
  rulesVersion: string;
  leads: number;
  sqls: number;
  sqlsConverted: number;
  precision: number;
  convertersMissed: number;
  qualified: { leadId: string; qualifiedAt: string; score: number; converted: boolean }[];
}

/**
 * Replays each lead's stored signals in time order against a rules file, scoring at each
 * signal's moment, and reports which leads would have become SQL and how many of those
 * converted. Uses the lead's latest profile (the profile as it was then is not kept).
 */
export function backtest(history: HistoryLead[], rules: ScoringRules): BacktestResult {
  const qualified: BacktestResult['qualified'] = [];
  for (const lead of history) {
    const ordered = canonicalOrder(lead.signals);
    for (let i = 0; i < ordered.length; i++) {
      const at = ordered[i].occurredAt;
      const result = score(ordered.slice(0, i + 1), lead.profile, rules.policy, new Date(at));
      if (judgeEvidence(result, rules.policy).level === 'sql') {
        qualified.push({
          leadId: lead.leadId,
          qualifiedAt: at,
          score: result.score,
          converted: lead.converted,
        });
        break;
      }
    }
  }
  const sqlsConverted = qualified.filter((q) => q.converted).length;
  const converters = history.filter((l) => l.converted).length;
  return {
    rulesVersion: rules.version,
    leads: history.length,
    sqls: qualified.length,
    sqlsConverted,
    precision: rate(sqlsConverted, qualified.length),
    convertersMissed: converters - sqlsConverted,
    qualified,
  };
}
