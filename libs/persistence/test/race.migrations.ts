import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '../src/schema.js';

// Migrations that fail when run twice at once: plain CREATE TABLE, a pause that widens the
// window, and a row per run to count how often each was applied.

export class RaceFirst1732300000101 implements MigrationInterface {
  name = 'RaceFirst1732300000101';
  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.migration_run (name text NOT NULL)`);
    await q.query(`SELECT pg_sleep(0.2)`);
    await q.query(`INSERT INTO ${s}.migration_run VALUES ($1)`, [this.name]);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.migration_run`);
  }
}

export class RaceSecond1732300000102 implements MigrationInterface {
  name = 'RaceSecond1732300000102';
  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.race_lead (lead_id text PRIMARY KEY)`);
    await q.query(`SELECT pg_sleep(0.2)`);
    await q.query(`INSERT INTO ${s}.migration_run VALUES ($1)`, [this.name]);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.race_lead`);
  }
}

export class RaceThird1732300000103 implements MigrationInterface {
  name = 'RaceThird1732300000103';
  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.race_lead ADD COLUMN owner text`);
    await q.query(`INSERT INTO ${s}.migration_run VALUES ($1)`, [this.name]);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.race_lead DROP COLUMN owner`);
  }
}

export const raceMigrations = [RaceFirst1732300000101, RaceSecond1732300000102, RaceThird1732300000103];
