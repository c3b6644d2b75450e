import { Injectable } from '@nestjs/common';
import { And, DataSource, LessThan, MoreThanOrEqual } from 'typeorm';
import type { EngagementKind } from '@baton/domain';
import type { HistoryLead, Period, ReviewedLead } from '../review/score-review.js';
import type { Signal } from '../scoring/score.js';
import { LeadEntity } from './lead.entity.js';

/** SQL -> opportunity over a period: qualifications, the leads they were for, and those that converted. */
export interface SqlOutcome {
  qualifications: number;
  leads: number;
  converted: number;
}

const firstSeenIn = (period: Period) => ({
  firstSeenAt: And(MoreThanOrEqual(period.from), LessThan(period.to)),
});

/**
 * Reads the scoring schema for the quarterly score review and backtests: leads through the
 * entity's repository, the counts and the history join as hand-written SQL.
 */
@Injectable()
export class ReviewStore {
  constructor(private readonly db: DataSource) {}

  /** Leads first seen in the period: best score and whether sales turned them into pipeline. */
  async reviewedLeads(period: Period): Promise<ReviewedLead[]> {
    const leads = await this.db.getRepository(LeadEntity).find({
      select: { leadId: true, peakScore: true, opportunityAt: true },
      where: firstSeenIn(period),
    });
    return leads.map((l) => ({
      leadId: l.leadId,
      peakScore: l.peakScore,
      converted: l.opportunityAt !== null,
    }));
  }

  async sqlOutcome(period: Period): Promise<SqlOutcome> {
    const [sql]: { qualifications: string; leads: string; converted: string }[] = await this.db.query(
      `SELECT count(*) AS qualifications, count(DISTINCT q.lead_id) AS leads,
              count(DISTINCT q.lead_id) FILTER (WHERE l.opportunity_at IS NOT NULL) AS converted
       FROM qualification q JOIN lead l USING (lead_id)
       WHERE q.qualified_at >= $1 AND q.qualified_at < $2`,
      [period.from, period.to],
    );
    return {
      qualifications: Number(sql.qualifications),
      leads: Number(sql.leads),
      converted: Number(sql.converted),
    };
  }

  /** Disqualifications of the period by reason and outcome, most frequent first. */
  async disqualifications(period: Period): Promise<{ reason: string; outcome: string; count: number }[]> {
    const dq: { reason: string; outcome: string; count: string }[] = await this.db.query(
      `SELECT reason, outcome, count(*) AS count FROM disqualification
       WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY reason, outcome ORDER BY count(*) DESC, reason`,
      [period.from, period.to],
    );
    return dq.map((d) => ({ reason: d.reason, outcome: d.outcome, count: Number(d.count) }));
  }

  /** The stored history of leads first seen in the period: signals, latest profile, conversion. */
  async history(period: Period): Promise<HistoryLead[]> {
    const leads = await this.db.getRepository(LeadEntity).find({
      select: { leadId: true, profile: true, opportunityAt: true },
      where: firstSeenIn(period),
      order: { leadId: 'ASC' },
    });
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
        l.leadId,
        {
          leadId: l.leadId,
          signals: [],
          profile: l.profile ?? undefined,
          converted: l.opportunityAt !== null,
        },
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
}
