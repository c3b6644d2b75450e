import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ReportWindow {
  from: Date;
  to: Date;
  team?: string;
  /** Policies whose timer is stopped by a touch (first touch, not "still New"): "within SLA" reads them. */
  touchPolicies: string[];
  /** A rep breaching this many deadlines in one of their own days is listed. */
  breachesPerDay: number;
}

export interface Percentiles {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface SlaReportRows {
  policies: { policy: string; met: number; breached: number; open: number; cancelled: number }[];
  human: Percentiles & { untouched: number };
  system: Percentiles & { endedAtAlert: number; endedAtAssignment: number };
  breachesByRep: { repId: string; name: string | null; breaches: number }[];
  breachesByPolicy: { policy: string; breaches: number }[];
  followUp: { qualified: number; touched: number; touchedWithinSla: number };
  repsOverThreshold: { repId: string; day: string; breaches: number }[];
}

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));

/**
 * The SLA report's queries: one read-only pass per figure over the assignments made in the
 * window (by `assigned_at`, optionally one team), their timers and their qualifications.
 */
@Injectable()
export class ReportStore {
  constructor(private readonly db: DataSource) {}

  async report(w: ReportWindow): Promise<SlaReportRows> {
    const scope = `a.assigned_at >= $1 AND a.assigned_at < $2 AND ($3::text IS NULL OR a.team = $3)`;
    const args = [w.from, w.to, w.team ?? null];
    const policies: { policy: string; met: number; breached: number; open: number; cancelled: number }[] =
      await this.db.query(
        `SELECT t.policy,
                count(*) FILTER (WHERE t.state = 'met')::int AS met,
                count(*) FILTER (WHERE t.state = 'breached')::int AS breached,
                count(*) FILTER (WHERE t.state = 'open')::int AS open,
                count(*) FILTER (WHERE t.state = 'cancelled')::int AS cancelled
           FROM timer t JOIN assignment a ON a.assignment_id = t.assignment_id
          WHERE ${scope}
          GROUP BY t.policy ORDER BY t.policy`,
        args,
      );
    // Human time: every assignment, reassignments included (each rep's own response).
    const [human] = (await this.db.query(
      `SELECT count(a.first_touch_at)::int AS count,
              count(*) FILTER (WHERE a.first_touch_at IS NULL)::int AS untouched,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.first_touch_at - a.assigned_at) * 1000) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.first_touch_at - a.assigned_at) * 1000) AS p95
         FROM assignment a WHERE ${scope}`,
      args,
    )) as { count: number; untouched: number; p50: unknown; p95: unknown }[];
    // System time: the first assignment of each qualification, from the signal to the alert.
    const [system] = (await this.db.query(
      `SELECT count(*)::int AS count,
              count(r.delivered_at)::int AS at_alert,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM COALESCE(r.delivered_at, a.assigned_at) - a.signal_received_at) * 1000) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM COALESCE(r.delivered_at, a.assigned_at) - a.signal_received_at) * 1000) AS p95
         FROM assignment a LEFT JOIN alert_receipt r ON r.assignment_id = a.assignment_id
        WHERE ${scope} AND a.previous_rep_id IS NULL AND a.signal_received_at IS NOT NULL`,
      args,
    )) as { count: number; at_alert: number; p50: unknown; p95: unknown }[];
    const breachesByRep: { rep_id: string; name: string | null; breaches: number }[] = await this.db.query(
      `SELECT t.rep_id, max(a.rep->>'name') AS name, count(*)::int AS breaches
         FROM timer t JOIN assignment a ON a.assignment_id = t.assignment_id
        WHERE ${scope} AND t.state = 'breached'
        GROUP BY t.rep_id ORDER BY breaches DESC, t.rep_id`,
      args,
    );
    const breachesByPolicy: { policy: string; breaches: number }[] = await this.db.query(
      `SELECT t.policy, count(*)::int AS breaches
         FROM timer t JOIN assignment a ON a.assignment_id = t.assignment_id
        WHERE ${scope} AND t.state = 'breached'
        GROUP BY t.policy ORDER BY breaches DESC, t.policy`,
      args,
    );
    // Follow-up: per qualification first assigned in the window, whoever ended up with it.
    const [followUp] = (await this.db.query(
      `WITH q AS (
         SELECT a.qualification_id FROM assignment a
          WHERE ${scope} AND a.previous_rep_id IS NULL GROUP BY a.qualification_id
       )
       SELECT count(*)::int AS qualified,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM assignment x WHERE x.qualification_id = q.qualification_id AND x.first_touch_at IS NOT NULL
              ))::int AS touched,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM timer t JOIN assignment x ON x.assignment_id = t.assignment_id
                 WHERE x.qualification_id = q.qualification_id AND t.state = 'met' AND t.policy = ANY($4::text[])
              ))::int AS within
         FROM q`,
      [...args, w.touchPolicies],
    )) as { qualified: number; touched: number; within: number }[];
    // Breaches in the rep's own calendar day (their zone), at or over the threshold.
    const repsOverThreshold: { rep_id: string; day: string; breaches: number }[] = await this.db.query(
      `SELECT t.rep_id, to_char(t.breached_at AT TIME ZONE COALESCE(a.rep->>'timeZone', 'UTC'), 'YYYY-MM-DD') AS day,
              count(*)::int AS breaches
         FROM timer t JOIN assignment a ON a.assignment_id = t.assignment_id
        WHERE ${scope} AND t.state = 'breached'
        GROUP BY 1, 2 HAVING count(*) >= $4 ORDER BY 3 DESC, 1, 2`,
      [...args, w.breachesPerDay],
    );
    return {
      policies,
      human: { count: human.count, untouched: human.untouched, p50Ms: num(human.p50), p95Ms: num(human.p95) },
      system: {
        count: system.count,
        endedAtAlert: system.at_alert,
        endedAtAssignment: system.count - system.at_alert,
        p50Ms: num(system.p50),
        p95Ms: num(system.p95),
      },
      breachesByRep: breachesByRep.map((r) => ({ repId: r.rep_id, name: r.name, breaches: r.breaches })),
      breachesByPolicy,
      followUp: {
        qualified: followUp.qualified,
        touched: followUp.touched,
        touchedWithinSla: followUp.within,
      },
      repsOverThreshold: repsOverThreshold.map((r) => ({
        repId: r.rep_id,
        day: r.day,
        breaches: r.breaches,
      })),
    };
  }

  /** Compliance of the timers judged since `since` (met at, or breached at), per policy: the gauge. */
  async complianceSince(since: Date): Promise<Map<string, number>> {
    const rows: { policy: string; met: number; breached: number }[] = await this.db.query(
      `SELECT policy,
              count(*) FILTER (WHERE state = 'met' AND stopped_at >= $1)::int AS met,
              count(*) FILTER (WHERE state = 'breached' AND breached_at >= $1)::int AS breached
         FROM timer
        WHERE state IN ('met', 'breached') AND (stopped_at >= $1 OR breached_at >= $1)
          -- A timer judged lately started within the longest ladder before (the index bounds the scan).
          AND starts_at >= $1::timestamptz - interval '30 days'
        GROUP BY policy`,
      [since],
    );
    return new Map(
      rows.filter((r) => r.met + r.breached > 0).map((r) => [r.policy, r.met / (r.met + r.breached)]),
    );
  }
}
