import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** The tables of notification: the lead.assigned.v1 events it handled. */
export class NotificationTables1796167454133 implements MigrationInterface {
  name = 'NotificationTables1796167454133';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.lead_assigned (
      event_id text PRIMARY KEY,
      lead_id text NOT NULL,
      occurred_at timestamptz NOT NULL,
      handled_at timestamptz NOT NULL,
      late boolean NOT NULL,
      policy_version text NOT NULL
    )`);
    await q.query(`CREATE INDEX lead_assigned_lead_idx ON ${s}.lead_assigned (lead_id, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.lead_assigned`);
  }
}
