import type { MigrationInterface } from 'typeorm';
import { JsonLogger } from '@baton/observability';
import { openServiceDatabase } from '@baton/persistence';
import { BaseEnvSchema, loadEnv } from './config.js';

/**
 * Applies a service's pending migrations to its own schema and exits: the `migrate` Nx target
 * of every app (a Kubernetes init container or a release job can run it before a rollout;
 * services also migrate at start-up).
 */
export async function migrateService(
  service: string,
  migrations: (new () => MigrationInterface)[],
): Promise<void> {
  // Only the database settings: a migration job needs no broker.
  const env = loadEnv(BaseEnvSchema.pick({ DATABASE_URL: true, DATABASE_SCHEMA: true }));
  const schema = env.DATABASE_SCHEMA ?? service.replace(/-/g, '_');
  const log = new JsonLogger(`${service}.migrate`);
  const db = await openServiceDatabase({ url: env.DATABASE_URL, schema, migrations });
  try {
    const rows: { name: string }[] = await db.query(`SELECT name FROM ${schema}.migrations ORDER BY id`);
    log.info('schema is current', { schema, migrations: rows.map((r) => r.name) });
  } finally {
    await db.destroy();
  }
}
