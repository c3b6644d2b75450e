import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** Assignments, their timers and ladder rungs, qualifications, the rep work seen, alert receipts. */
export class SlaTables1796167918448 implements MigrationInterface {
  name = 'SlaTables1796167918448';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.assignment (
      assignment_id text PRIMARY KEY,
      lead_id text NOT NULL,
      qualification_id text NOT NULL,
      rep_id text NOT NULL,
      team text NOT NULL,
      rule_id text NOT NULL,
      rep jsonb NOT NULL,
      crm jsonb NOT NULL,
      lead jsonb NOT NULL,
      assigned_at timestamptz NOT NULL,
      signal_received_at timestamptz,
      previous_rep_id text,
      reassignment_cause text,
      superseded_by text,
      superseded_at timestamptz,
      reassign_requested_at timestamptz,
      first_touch_at timestamptz,
      policy_version text NOT NULL,
      armed_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX assignment_lead_idx ON ${s}.assignment (lead_id, assigned_at)`);
    await q.query(`CREATE INDEX assignment_assigned_at_idx ON ${s}.assignment (assigned_at)`);

    await q.query(`CREATE TABLE ${s}.timer (
      timer_id text PRIMARY KEY,
      assignment_id text NOT NULL,
      lead_id text NOT NULL,
      rep_id text NOT NULL,
      team text NOT NULL,
      policy text NOT NULL,
      clock text NOT NULL,
      clock_note text,
      calendar jsonb,
      window_ms integer NOT NULL,
      starts_at timestamptz NOT NULL,
      deadline timestamptz NOT NULL,
      state text NOT NULL,
      stop jsonb,
      stopped_at timestamptz,
      breached_at timestamptz,
      armed_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX timer_lead_idx ON ${s}.timer (lead_id)`);
    await q.query(`CREATE INDEX timer_assignment_idx ON ${s}.timer (assignment_id)`);
    await q.query(`CREATE INDEX timer_starts_at_idx ON ${s}.timer (starts_at)`);
    await q.query(`CREATE INDEX timer_open_idx ON ${s}.timer (policy) WHERE state = 'open'`);

    // The firing loop's queue: pending rungs by due time, claimed with FOR UPDATE SKIP LOCKED.
    await q.query(`CREATE TABLE ${s}.timer_rung (
      timer_id text NOT NULL,
      rung integer NOT NULL,
      action text NOT NULL,
      due_at timestamptz NOT NULL,
      manager_task boolean NOT NULL,
      state text NOT NULL,
      fired_at timestamptz,
      lateness_ms integer,
      outcome jsonb,
      PRIMARY KEY (timer_id, rung)
    )`);
    await q.query(`CREATE INDEX timer_rung_due_idx ON ${s}.timer_rung (due_at) WHERE state = 'pending'`);

    await q.query(`CREATE TABLE ${s}.qualification (
      qualification_id text PRIMARY KEY,
      lead_id text NOT NULL,
      rep_ids text[] NOT NULL,
      reassignments integer NOT NULL
    )`);

    await q.query(`CREATE TABLE ${s}.lead_activity (
      event_id text PRIMARY KEY,
      lead_id text NOT NULL,
      source text NOT NULL,
      kind text NOT NULL,
      occurred_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL,
      actor jsonb,
      owner_id text,
      status_to text,
      assignment_id text,
      rep_id text
    )`);
    await q.query(`CREATE INDEX lead_activity_lead_idx ON ${s}.lead_activity (lead_id, occurred_at)`);
    await q.query(`CREATE INDEX lead_activity_received_idx ON ${s}.lead_activity (received_at)`);

    await q.query(`CREATE TABLE ${s}.alert_receipt (
      assignment_id text PRIMARY KEY,
      lead_id text NOT NULL,
      delivered_at timestamptz NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ['alert_receipt', 'lead_activity', 'qualification', 'timer_rung', 'timer', 'assignment'])
      await q.query(`DROP TABLE ${s}.${t}`);
  }
}
