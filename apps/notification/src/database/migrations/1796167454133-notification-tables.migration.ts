import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/**
 * The tables of notification: deliveries (one row per cause event, recipient, channel and
 * purpose: the exactly-once record, the durable schedule of intro e-mails and retries), the Slack
 * users looked up by e-mail, the reps' actions from alerts, the SLA deadlines shown in alerts,
 * and what tells whether a lead is being worked (its current assignment, the last touch by a person).
 */
export class NotificationTables1796167454133 implements MigrationInterface {
  name = 'NotificationTables1796167454133';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.delivery (
      id text PRIMARY KEY,
      cause_id text NOT NULL,
      purpose text NOT NULL,
      channel text NOT NULL,
      recipient text NOT NULL,
      lead_id text NOT NULL,
      assignment_id text,
      status text NOT NULL,
      attempts integer NOT NULL,
      due_at timestamptz NOT NULL,
      claim_token text,
      uncertain boolean NOT NULL,
      fallbacks jsonb NOT NULL,
      context jsonb NOT NULL,
      provider_message_id text,
      provider_channel text,
      error text,
      revision integer NOT NULL,
      update_due_at timestamptz,
      created_at timestamptz NOT NULL,
      sent_at timestamptz,
      CONSTRAINT delivery_cause_id_recipient_channel_purpose_key UNIQUE (cause_id, recipient, channel, purpose)
    )`);
    await q.query(`CREATE INDEX delivery_status_due_idx ON ${s}.delivery (status, due_at)`);
    await q.query(`CREATE INDEX delivery_update_due_idx ON ${s}.delivery (update_due_at)`);
    await q.query(`CREATE INDEX delivery_assignment_idx ON ${s}.delivery (assignment_id)`);
    await q.query(`CREATE INDEX delivery_lead_idx ON ${s}.delivery (lead_id, created_at)`);
    await q.query(`CREATE TABLE ${s}.slack_user (
      email text PRIMARY KEY,
      user_id text NOT NULL,
      looked_up_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}.rep_action (
      action_id text PRIMARY KEY,
      lead_id text NOT NULL,
      assignment_id text NOT NULL,
      rep_id text NOT NULL,
      action text NOT NULL,
      channel text NOT NULL,
      actor text NOT NULL,
      delivery_id text NOT NULL,
      acted_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX rep_action_assignment_idx ON ${s}.rep_action (assignment_id)`);
    await q.query(`CREATE TABLE ${s}.sla_deadline (
      assignment_id text PRIMARY KEY,
      lead_id text NOT NULL,
      first_touch_due timestamptz,
      timers jsonb NOT NULL,
      armed_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}.current_assignment (
      lead_id text PRIMARY KEY,
      assignment_id text NOT NULL,
      assigned_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}.lead_touch (
      lead_id text PRIMARY KEY,
      kind text NOT NULL,
      occurred_at timestamptz NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of [
      'lead_touch',
      'current_assignment',
      'sla_deadline',
      'rep_action',
      'slack_user',
      'delivery',
    ])
      await q.query(`DROP TABLE ${s}.${t}`);
  }
}
