import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '../src/schema.js';

/** A minimal piece of service state for the outbox tests. */
export class DemoLead1732300000001 implements MigrationInterface {
  name = 'DemoLead1732300000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE ${schemaOf(q)}.demo_lead (lead_id text PRIMARY KEY, touches int NOT NULL DEFAULT 0)`,
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.demo_lead`);
  }
}
