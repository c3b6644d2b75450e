import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from './schema.js';

/** Tables every service has in its own schema: the transactional outbox and consumer dedupe. */
export class InfraTables1732300000000 implements MigrationInterface {
  name = 'InfraTables1732300000000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE IF NOT EXISTS ${s}.outbox (
      id bigserial PRIMARY KEY,
      event_id text NOT NULL UNIQUE,
      topic text NOT NULL,
      key text NOT NULL,
      value text NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE IF NOT EXISTS ${s}.processed_event (
      consumer text NOT NULL,
      event_id text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE IF EXISTS ${s}.processed_event`);
    await q.query(`DROP TABLE IF EXISTS ${s}.outbox`);
  }
}

/** Lets housekeeping find old dedupe rows by an index range instead of scanning the table. */
export class InfraProcessedAtIndex1796083200000 implements MigrationInterface {
  name = 'InfraProcessedAtIndex1796083200000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(
      `CREATE INDEX IF NOT EXISTS processed_event_processed_at ON ${s}.processed_event (processed_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${schemaOf(q)}.processed_event_processed_at`);
  }
}

/**
 * Where the relay sets aside an outbox event the broker refuses for good (larger than its size
 * limit, or malformed), whole, with the reason: one such event must not stop every event behind it.
 */
export class InfraOutboxDead1796169600000 implements MigrationInterface {
  name = 'InfraOutboxDead1796169600000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE IF NOT EXISTS ${s}.outbox_dead (
      id bigint PRIMARY KEY,
      event_id text NOT NULL,
      topic text NOT NULL,
      key text NOT NULL,
      value text NOT NULL,
      headers jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      failed_at timestamptz NOT NULL DEFAULT now(),
      reason text NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ${schemaOf(q)}.outbox_dead`);
  }
}
