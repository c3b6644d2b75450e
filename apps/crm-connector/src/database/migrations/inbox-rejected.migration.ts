import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/**
 * Webhook events that cannot be accepted or worked (hubspot_inbox_rejected: the reason and the
 * raw event, bounded), and the inbox's count of failed attempts per event (a poison event is set
 * aside after a few).
 */
export class HubSpotInboxRejected1796169600002 implements MigrationInterface {
  name = 'HubSpotInboxRejected1796169600002';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE IF NOT EXISTS ${s}.hubspot_inbox_rejected (
      id bigserial PRIMARY KEY,
      event_id text,
      object_id text,
      reason text NOT NULL,
      raw text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS hubspot_inbox_rejected_received_at ON ${s}.hubspot_inbox_rejected (received_at)`,
    );
    await q.query(
      `ALTER TABLE ${s}.hubspot_inbox ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.hubspot_inbox DROP COLUMN IF EXISTS attempts`);
    await q.query(`DROP TABLE IF EXISTS ${s}.hubspot_inbox_rejected`);
  }
}
