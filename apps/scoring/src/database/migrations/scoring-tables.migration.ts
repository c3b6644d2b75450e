import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** The scoring schema: each lead's state, its stored signals, and the history review reads. */
export class ScoringTables1763900000000 implements MigrationInterface {
  name = 'ScoringTables1763900000000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.lead (
      lead_id text PRIMARY KEY,
      crm jsonb NOT NULL,
      stage text NOT NULL,
      score double precision NOT NULL DEFAULT 0,
      peak_score double precision NOT NULL DEFAULT 0,
      high_intent_count integer NOT NULL DEFAULT 0,
      qualification_count integer NOT NULL DEFAULT 0,
      profile jsonb,
      profile_event_id text,
      profile_at timestamptz,
      baseline_since timestamptz,
      baseline_keep double precision,
      first_seen_at timestamptz NOT NULL,
      opportunity_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX lead_first_seen_idx ON ${s}.lead (first_seen_at)`);
    await q.query(`CREATE TABLE ${s}.engagement (
      lead_id text NOT NULL,
      source_event_id text NOT NULL,
      kind text NOT NULL,
      occurred_at timestamptz NOT NULL,
      detail jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (lead_id, source_event_id)
    )`);
    await q.query(`CREATE TABLE ${s}.stage_change (
      id bigserial PRIMARY KEY,
      lead_id text NOT NULL,
      from_stage text NOT NULL,
      to_stage text NOT NULL,
      cause text NOT NULL,
      cause_event_id text,
      score double precision NOT NULL,
      rules_version text NOT NULL,
      changed_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX stage_change_lead_idx ON ${s}.stage_change (lead_id, id)`);
    await q.query(`CREATE TABLE ${s}.qualification (
      qualification_id text PRIMARY KEY,
      lead_id text NOT NULL,
      seq integer NOT NULL,
      score double precision NOT NULL,
      threshold double precision NOT NULL,
      rules_version text NOT NULL,
      summary text NOT NULL,
      opening_line text,
      claims jsonb NOT NULL,
      written_by text NOT NULL,
      cause_event_id text,
      qualified_at timestamptz NOT NULL,
      UNIQUE (lead_id, seq)
    )`);
    await q.query(`CREATE INDEX qualification_at_idx ON ${s}.qualification (qualified_at)`);
    await q.query(`CREATE TABLE ${s}.disqualification (
      source_event_id text PRIMARY KEY,
      lead_id text NOT NULL,
      reason text NOT NULL,
      outcome text NOT NULL,
      stage_before text NOT NULL,
      detail text,
      occurred_at timestamptz NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ['disqualification', 'qualification', 'stage_change', 'engagement', 'lead'])
      await q.query(`DROP TABLE IF EXISTS ${s}.${t}`);
  }
}
