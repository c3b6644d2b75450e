import type { DataSource } from 'typeorm';
import type { EngagementKind, LeadProfile } from '@baton/domain';
import type { ScoringRules } from '../policy/scoring-policy.js';
import type { Signal } from '../scoring/score.js';
import {
  backtest,
  bestThreshold,
  scoreBands,
  thresholdFit,
  type BacktestResult,
  type HistoryLead,
  type ScoreReview,
} from './score-review.js';

export interface Period {
  from: Date;
  to: Date;
}

/** Reads the scoring schema for the quarterly score review and backtests. */
export class ReviewStore {
  constructor(
    private readonly db: DataSource,
    private readonly rules: ScoringRules,
  ) {}

  async review(period: Period, bandWidth = 10): Promise<ScoreReview> {
    const leads: { lead_id: string; peak_score: number; converted: boolean }[] = await this.db.query(
      `SELECT lead_id, peak_score, opportunity_at IS NOT NULL AS converted FROM lead
       WHERE first_seen_at >= $1 AND first_seen_at < $2`,
      [period.from, period.to],
    );
    const reviewed = leads.map((l) => ({
      leadId: l.lead_id,
      peakScore: l.peak_score,
      converted: l.converted,
    }));
    const [sql]: { qualifications: string; leads: string; converted: string }[] = await this.db.query(
      `SELECT count(*) AS qualifications, count(DISTINCT q.lead_id) AS leads,
              count(DISTINCT q.lead_id) FILTER (WHERE l.opportunity_at IS NOT NULL) AS converted
       FROM qualification q JOIN lead l USING (lead_id)
       WHERE q.qualified_at >= $1 AND q.qualified_at < $2`,
      [period.from, period.to],
    );
    const dq: { reason: string; outcome: string; count: string }[] = await this.db.query(
      `SELECT reason, outcome, count(*) AS count FROM disqualification
       WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY reason, outcome ORDER BY count(*) DESC, reason`,
      [period.from, period.to],
    );
    const sqlLeads = Number(sql.leads);
    const becameOpportunity = Number(sql.converted);
    return {
      period: { from: period.from.toISOString(), to: period.to.toISOString() },
      leads: reviewed.length,
      converted: reviewed.filter((l) => l.converted).length,
      bands: scoreBands(reviewed, bandWidth),
      sql: {
        qualifications: Number(sql.qualifications),
        leads: sqlLeads,
        becameOpportunity,
        conversionRate: sqlLeads === 0 ? 0 : Math.round((becameOpportunity / sqlLeads) * 1000) / 1000,
      },
      bestThreshold: bestThreshold(reviewed),
      currentThreshold: reviewed.length ? thresholdFit(reviewed, this.rules.policy.thresholds.sql) : null,
      disqualifications: dq.map((d) => ({ reason: d.reason, outcome: d.outcome, count: Number(d.count) })),
    };
  }

  /** The stored history of leads first seen in the period: signals, latest profile, conversion. */
  async history(period: Period): Promise<HistoryLead[]> {
    const leads: { lead_id: string; profile: LeadProfile | null; converted: boolean }[] = await this.db.query(
      `SELECT lead_id, profile, opportunity_at IS NOT NULL AS converted FROM lead
       WHERE first_seen_at >= $1 AND first_seen_at < $2 ORDER BY lead_id`,
      [period.from, period.to],
    );
    const rows: {
      lead_id: string;
      source_event_id: string;
      kind: EngagementKind;
      occurred_at: Date;
      detail: Signal['detail'];
    }[] = await this.db.query(
      `SELECT e.lead_id, e.source_event_id, e.kind, e.occurred_at, e.detail FROM engagement e
       JOIN lead l USING (lead_id) WHERE l.first_seen_at >= $1 AND l.first_seen_at < $2`,
      [period.from, period.to],
    );
    const byLead = new Map<string, HistoryLead>(
      leads.map((l) => [
        l.lead_id,
        { leadId: l.lead_id, signals: [], profile: l.profile ?? undefined, converted: l.converted },
      ]),
    );
    for (const r of rows) {
      byLead.get(r.lead_id)?.signals.push({
        sourceEventId: r.source_event_id,
        kind: r.kind,
        occurredAt: r.occurred_at.toISOString(),
        detail: r.detail,
      });
    }
    return [...byLead.values()];
  }

  /** Replays the period's history against the current rules and a candidate, side by side. */
  async backtest(
    period: Period,
    candidate: ScoringRules,
  ): Promise<{ current: BacktestResult; candidate: BacktestResult }> {
    const history = await this.history(period);
    return { current: backtest(history, this.rules), candidate: backtest(history, candidate) };
  }
}
