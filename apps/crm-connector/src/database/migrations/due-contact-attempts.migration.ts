import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/** The due-contact readers' count of failed reads per contact (a poison contact is set aside after a few). */
export class DueContactAttempts1796169600003 implements MigrationInterface {
  name = 'DueContactAttempts1796169600003';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const table of ['hubspot_engagement_due', 'hubspot_activity_due'])
      await q.query(`ALTER TABLE ${s}.${table} ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const table of ['hubspot_engagement_due', 'hubspot_activity_due'])
      await q.query(`ALTER TABLE ${s}.${table} DROP COLUMN IF EXISTS attempts`);
  }
}
