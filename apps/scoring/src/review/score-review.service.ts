import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_POLICY } from '@baton/platform';
import { ReviewStore } from '../database/review.store.js';
import type { ScoringRules } from '../policy/scoring-policy.js';
import {
  backtest,
  bestThreshold,
  scoreBands,
  thresholdFit,
  type BacktestResult,
  type Period,
  type ScoreReview,
} from './score-review.js';

/** The quarterly score review and backtests over the stored history, against the rules in force. */
@Injectable()
export class ScoreReviewService {
  constructor(
    private readonly store: ReviewStore,
    @Inject(SERVICE_POLICY) private readonly rules: ScoringRules,
  ) {}

  async review(period: Period, bandWidth = 10): Promise<ScoreReview> {
    const [reviewed, sql, disqualifications] = await Promise.all([
      this.store.reviewedLeads(period),
      this.store.sqlOutcome(period),
      this.store.disqualifications(period),
    ]);
    return {
      period: { from: period.from.toISOString(), to: period.to.toISOString() },
      leads: reviewed.length,
      converted: reviewed.filter((l) => l.converted).length,
      bands: scoreBands(reviewed, bandWidth),
      sql: {
        qualifications: sql.qualifications,
        leads: sql.leads,
        becameOpportunity: sql.converted,
        conversionRate: sql.leads === 0 ? 0 : Math.round((sql.converted / sql.leads) * 1000) / 1000,
      },
      bestThreshold: bestThreshold(reviewed),
      currentThreshold: reviewed.length ? thresholdFit(reviewed, this.rules.policy.thresholds.sql) : null,
      disqualifications,
    };
  }

  /** Replays the period's history against the current rules and a candidate, side by side. */
  async backtest(
    period: Period,
    candidate: ScoringRules,
  ): Promise<{ current: BacktestResult; candidate: BacktestResult }> {
    const history = await this.store.history(period);
    return { current: backtest(history, this.rules), candidate: backtest(history, candidate) };
  }
}
