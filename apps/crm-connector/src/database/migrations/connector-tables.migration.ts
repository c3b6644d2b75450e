import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** The connector's own tables: webhook inbox, lead snapshots, write log, executed commands, stream cursors. */
export class ConnectorTables1763900000000 implements MigrationInterface {
  name = 'ConnectorTables1763900000000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // Raw HubSpot webhook events, stored before the 2xx; eventId is HubSpot's dedupe key.
    await q.query(`CREATE TABLE ${s}.hubspot_inbox (
      event_id text PRIMARY KEY,
      object_id text NOT NULL,
      subscription_type text NOT NULL,
      occurred_at bigint NOT NULL,
      payload jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      processed_at timestamptz
    )`);
    await q.query(
      `CREATE INDEX hubspot_inbox_pending ON ${s}.hubspot_inbox (received_at, occurred_at) WHERE processed_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX hubspot_inbox_processed ON ${s}.hubspot_inbox (processed_at) WHERE processed_at IS NOT NULL`,
    );
    // Last status/owner/stage/reason seen per lead: rep activity is the difference.
    await q.query(`CREATE TABLE ${s}.lead_snapshot (
      lead_id text PRIMARY KEY,
      snapshot jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // What Baton wrote to the CRM, so the change coming back is recognised as an echo.
    await q.query(`CREATE TABLE ${s}.write_log (
      id bigserial PRIMARY KEY,
      provider text NOT NULL,
      object_id text NOT NULL,
      field text NOT NULL,
      value text,
      command_id text NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX write_log_lookup ON ${s}.write_log (object_id, field, written_at)`);
    await q.query(`CREATE TABLE ${s}.executed_command (
      command_id text PRIMARY KEY,
      action text NOT NULL,
      lead_id text NOT NULL,
      api_calls int NOT NULL,
      executed_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Resume points: CDC replayId per channel, polling cursor, events-API cursor per contact.
    await q.query(`CREATE TABLE ${s}.stream_cursor (
      name text PRIMARY KEY,
      position text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ['stream_cursor', 'executed_command', 'write_log', 'lead_snapshot', 'hubspot_inbox']) {
      await q.query(`DROP TABLE IF EXISTS ${s}.${t}`);
    }
  }
}

/** Contacts whose behavioural events must be read from the events API, apart from the inbox round. */
export class HubSpotEngagementDue1763900000001 implements MigrationInterface {
  name = 'HubSpotEngagementDue1763900000001';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.hubspot_engagement_due (
      object_id text PRIMARY KEY,
      lead_id text NOT NULL,
      crm jsonb NOT NULL,
      due_since timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ${schemaOf(q)}.hubspot_engagement_due`);
  }
}

/**
 * Contacts whose logged calls, e-mails and meetings must be read, and the ones already turned
 * into lead.activity per contact, so an engagement is emitted once however often it is read.
 */
export class HubSpotLoggedActivities1763900000002 implements MigrationInterface {
  name = 'HubSpotLoggedActivities1763900000002';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.hubspot_activity_due (
      object_id text PRIMARY KEY,
      lead_id text NOT NULL,
      crm jsonb NOT NULL,
      due_since timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE ${s}.hubspot_logged_activity (
      object_id text NOT NULL,
      engagement text NOT NULL,
      emitted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (object_id, engagement)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE IF EXISTS ${s}.hubspot_logged_activity`);
    await q.query(`DROP TABLE IF EXISTS ${s}.hubspot_activity_due`);
  }
}
