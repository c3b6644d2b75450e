import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '../src/schema.js';

/** A service's own log table, for the housekeeping tests. */
export class AuditLog1732300000301 implements MigrationInterface {
  name = 'AuditLog1732300000301';
  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.audit_log (
      id bigserial PRIMARY KEY,
      note text NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX audit_log_written_at ON ${s}.audit_log (written_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.audit_log`);
  }
}
