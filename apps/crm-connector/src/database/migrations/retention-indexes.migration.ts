import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@baton/persistence';

/**
 * The time columns housekeeping prunes executed_command and write_log by: without an index that
 * leads with them, every batch of the prune scans the table.
 */
export class ConnectorRetentionIndexes1796169600001 implements MigrationInterface {
  name = 'ConnectorRetentionIndexes1796169600001';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(
      `CREATE INDEX IF NOT EXISTS executed_command_executed_at ON ${s}.executed_command (executed_at)`,
    );
    await q.query(`CREATE INDEX IF NOT EXISTS write_log_written_at ON ${s}.write_log (written_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP INDEX IF EXISTS ${s}.write_log_written_at`);
    await q.query(`DROP INDEX IF EXISTS ${s}.executed_command_executed_at`);
  }
}
