import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** Reps to pause for the rest of their day after too many breaches (routing's admin API is called for each). */
export class SlaRepPause1796170937448 implements MigrationInterface {
  name = 'SlaRepPause1796170937448';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.rep_pause (
      rep_id text NOT NULL,
      day text NOT NULL,
      breaches integer NOT NULL,
      away_until timestamptz NOT NULL,
      state text NOT NULL,
      attempts integer NOT NULL,
      next_attempt_at timestamptz NOT NULL,
      last_error text,
      requested_at timestamptz NOT NULL,
      done_at timestamptz,
      PRIMARY KEY (rep_id, day)
    )`);
    await q.query(
      `CREATE INDEX rep_pause_due_idx ON ${s}.rep_pause (next_attempt_at) WHERE state = 'pending'`,
    );
    // A rep's breaches of the last days, counted when a firing round breaches their timers.
    await q.query(
      `CREATE INDEX timer_rep_breached_idx ON ${s}.timer (rep_id, breached_at) WHERE state = 'breached'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${schemaOf(q)}.timer_rep_breached_idx`);
    await q.query(`DROP TABLE ${schemaOf(q)}.rep_pause`);
  }
}
