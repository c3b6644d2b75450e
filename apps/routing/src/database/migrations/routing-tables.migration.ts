import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** Roster state, rotation state, assignments with their audit, and the stored lead profiles. */
export class RoutingTables1763900000000 implements MigrationInterface {
  name = 'RoutingTables1763900000000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.rep (
      id text PRIMARY KEY,
      profile jsonb NOT NULL,
      active boolean NOT NULL,
      weight integer NOT NULL CHECK (weight > 0),
      away_from timestamptz,
      away_until timestamptz,
      away_note text,
      in_roster boolean NOT NULL DEFAULT true,
      open_leads integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE ${s}.roster_change (
      id bigserial PRIMARY KEY,
      rep_id text NOT NULL,
      change jsonb NOT NULL,
      changed_by text NOT NULL,
      changed_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}.rep_daily_load (
      rep_id text NOT NULL,
      day date NOT NULL,
      assigned integer NOT NULL,
      PRIMARY KEY (rep_id, day)
    )`);
    await q.query(`CREATE TABLE ${s}.pool_rotation (
      pool_id text PRIMARY KEY,
      credits jsonb NOT NULL DEFAULT '{}'::jsonb,
      decisions bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // audit and lead are written once and read whole ("why did I get this lead?"), never queried
    // inside: json (validated text) is much cheaper to insert than jsonb.
    // generation 0 is the first assignment of a qualification: the unique key makes it exactly one,
    // whatever the number of deliveries or replicas. Each reassignment replaces exactly one assignment.
    await q.query(`CREATE TABLE ${s}.assignment (
      id text PRIMARY KEY,
      lead_id text NOT NULL,
      qualification_id text NOT NULL,
      generation integer NOT NULL,
      replaces_assignment_id text UNIQUE REFERENCES ${s}.assignment(id),
      rep_id text NOT NULL,
      assignee_kind text NOT NULL,
      current boolean NOT NULL,
      rule_id text NOT NULL,
      pool_id text NOT NULL,
      strategy text NOT NULL,
      reason text NOT NULL,
      cause text,
      audit json NOT NULL,
      lead json NOT NULL,
      policy_version text NOT NULL,
      source_event_id text NOT NULL,
      assigned_at timestamptz NOT NULL,
      released_at timestamptz,
      UNIQUE (qualification_id, generation)
    )`);
    // One index serves both the current-owner lookup and the history (a lead has a handful of rows).
    await q.query(`CREATE INDEX assignment_lead_idx ON ${s}.assignment (lead_id)`);
    await q.query(`CREATE TABLE ${s}.company_owner (
      domain text PRIMARY KEY,
      rep_id text NOT NULL,
      lead_id text NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}.lead_profile (
      lead_id text PRIMARY KEY,
      crm jsonb NOT NULL,
      identity jsonb NOT NULL,
      firmographics jsonb NOT NULL,
      owner_id text,
      deleted boolean NOT NULL DEFAULT false,
      occurred_at timestamptz NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of [
      'lead_profile',
      'company_owner',
      'assignment',
      'pool_rotation',
      'rep_daily_load',
      'roster_change',
      'rep',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${s}.${t}`);
    }
  }
}
