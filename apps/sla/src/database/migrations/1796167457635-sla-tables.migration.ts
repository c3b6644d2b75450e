import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** The tables of sla: the lead.activity.v1 events it handled. */
export class SlaTables1796167457635 implements MigrationInterface {
  name = 'SlaTables1796167457635';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.deadlines (
      event_id text PRIMARY KEY,
      lead_id text NOT NULL,
      occurred_at timestamptz NOT NULL,
      handled_at timestamptz NOT NULL,
      late boolean NOT NULL,
      policy_version text NOT NULL
    )`);
    await q.query(`CREATE INDEX deadlines_lead_idx ON ${s}.deadlines (lead_id, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.deadlines`);
  }
}
