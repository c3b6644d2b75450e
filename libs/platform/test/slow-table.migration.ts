import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

export class SlowTable1732300000002 implements MigrationInterface {
  name = 'SlowTable1732300000002';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE ${schemaOf(q)}.handled (event_id text PRIMARY KEY, source_event_id text NOT NULL)`,
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.handled`);
  }
}
