import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RepPauseState } from './sla.entities.js';

/** A pause request as claimed for a call to routing. */
export interface ClaimedPause {
  repId: string;
  day: string;
  breaches: number;
  awayUntil: Date;
  attempts: number;
}

/** Reps to pause after too many breaches in one of their days: requested in a firing round, carried out by the pause worker. */
@Injectable()
export class RepPauseStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Inside the firing round: the reps among these (with their zones) who have now breached at
   * least `perDay` deadlines in one of their own days get a pause until their next midnight,
   * once per rep and day. Rows are added in key order, so two rounds never deadlock on them.
   */
  async request(
    em: EntityManager,
    reps: { repId: string; timeZone: string }[],
    perDay: number,
    now: Date,
  ): Promise<number> {
    if (reps.length === 0) return 0;
    const rows: { rep_id: string }[] = await em.query(
      `WITH reps AS (
         SELECT DISTINCT rep_id, zone FROM unnest($1::text[], $2::text[]) AS r(rep_id, zone)
       ), counts AS (
         SELECT r.rep_id, r.zone, to_char(t.breached_at AT TIME ZONE r.zone, 'YYYY-MM-DD') AS day, count(*)::int AS n
           FROM reps r JOIN timer t ON t.rep_id = r.rep_id
          WHERE t.state = 'breached' AND t.breached_at >= $4::timestamptz - interval '2 days'
          GROUP BY r.rep_id, r.zone, 3
       ), due AS (
         SELECT rep_id, day, n, ((day::date + 1)::timestamp AT TIME ZONE zone) AS away_until
           FROM counts WHERE n >= $3
       )
       INSERT INTO rep_pause (rep_id, day, breaches, away_until, state, attempts, next_attempt_at, requested_at)
       SELECT rep_id, day, n, away_until, 'pending', 0, $4, $4 FROM due
        WHERE away_until > $4
        ORDER BY rep_id, day
       ON CONFLICT (rep_id, day) DO NOTHING
       RETURNING rep_id`,
      [reps.map((r) => r.repId), reps.map((r) => r.timeZone), perDay, now],
    );
    return rows.length;
  }

  /**
   * Claims up to `limit` pending pauses that are due, pushing their next attempt past `leaseUntil`
   * in the same statement: another replica does not take them meanwhile, and a call that dies
   * with its process is tried again once the lease is over.
   */
  async claim(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedPause[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [rows]: [
      { rep_id: string; day: string; breaches: number; away_until: Date; attempts: number }[],
      number,
    ] = await this.db.query(
      `UPDATE rep_pause p SET attempts = p.attempts + 1, next_attempt_at = $2
         FROM (SELECT rep_id, day FROM rep_pause
                WHERE state = 'pending' AND next_attempt_at <= $1
                ORDER BY next_attempt_at LIMIT $3
                FOR UPDATE SKIP LOCKED) d
        WHERE p.rep_id = d.rep_id AND p.day = d.day
        RETURNING p.rep_id, p.day, p.breaches, p.away_until, p.attempts`,
      [now, leaseUntil, limit],
    );
    return rows.map((r) => ({
      repId: r.rep_id,
      day: r.day,
      breaches: r.breaches,
      awayUntil: r.away_until,
      attempts: r.attempts,
    }));
  }

  /** What the call did: done, skipped (already away), failed for good, or pending again at `retryAt`. */
  async record(
    pause: Pick<ClaimedPause, 'repId' | 'day'>,
    outcome: { state: RepPauseState; at: Date; error?: string; retryAt?: Date },
  ): Promise<void> {
    await this.db.query(
      `UPDATE rep_pause SET state = $3, last_error = $4, done_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $5::timestamptz END,
              next_attempt_at = COALESCE($6::timestamptz, next_attempt_at)
        WHERE rep_id = $1 AND day = $2`,
      [pause.repId, pause.day, outcome.state, outcome.error ?? null, outcome.at, outcome.retryAt ?? null],
    );
  }
}
