import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/**
 * `lead.signal_token`: a fresh random token written whenever the lead's stored signals change,
 * so a replica can tell whether the signals it holds in memory are still the stored ones.
 * NULL (leads written before it) never matches, so they are read from the table once.
 */
export class ScoringSignalToken1764000000000 implements MigrationInterface {
  name = 'ScoringSignalToken1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.lead ADD COLUMN signal_token text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.lead DROP COLUMN IF EXISTS signal_token`);
  }
}
