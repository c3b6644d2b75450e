import pg from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { JsonLogger, counter } from '@baton/observability';
import {
  InfraOutboxDead1796169600000,
  InfraProcessedAtIndex1796083200000,
  InfraTables1732300000000,
} from './infra.migration.js';
import { assertSchemaName } from './schema.js';

export interface ServiceDatabaseOptions {
  /** postgres://… */
  url: string;
  /** The service's own schema; no service touches another's. */
  schema: string;
  entities?: NonNullable<ConstructorParameters<typeof DataSource>[0]['entities']>;
  /** The service's migrations; the shared infra tables (outbox, dedupe) and their indexes are added. */
  migrations?: (new () => MigrationInterface)[];
  poolSize?: number;
  /** Shown in pg_stat_activity; `baton:<schema>` by default. */
  applicationName?: string;
}

const log = new JsonLogger('persistence');

const poolErrors = counter(
  'baton_db_pool_errors_total',
  'Errors raised by idle database connections (e.g. terminated by a restart or failover)',
  ['schema'],
);

/**
 * A TypeORM data source bound to one service schema (search_path set on every connection),
 * never `synchronize`: the schema comes from migrations only.
 */
export function createServiceDataSource(opts: ServiceDatabaseOptions): DataSource {
  const schema = assertSchemaName(opts.schema);
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    schema,
    entities: opts.entities ?? [],
    migrations: [
      InfraTables1732300000000,
      InfraProcessedAtIndex1796083200000,
      InfraOutboxDead1796169600000,
      ...(opts.migrations ?? []),
    ],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: opts.applicationName ?? `baton:${schema}`,
    // An idle connection the server closed (restart, failover, pg_terminate_backend) is dropped
    // from the pool and the next query opens a new one; without a listener the error would
    // end the process.
    poolErrorHandler: (err: unknown) => {
      poolErrors.inc({ schema });
      log.warn('idle database connection lost; the pool opens a new one', {
        schema,
        error: err instanceof Error ? err.message : String(err),
      });
    },
    extra: { max: opts.poolSize ?? 10, options: `-c search_path=${schema},public` },
  });
}

/**
 * Creates the schema if needed, connects and applies pending migrations. Replicas starting
 * together take turns: the schema and migrations are applied under a session advisory lock
 * keyed on the schema, so the second finds the work done.
 */
export async function openServiceDatabase(opts: ServiceDatabaseOptions): Promise<DataSource> {
  const schema = assertSchemaName(opts.schema);
  const ds = createServiceDataSource(opts);
  try {
    await withMigrationLock(opts.url, schema, async (client) => {
      await createSchema(client, schema);
      await ds.initialize();
      const applied = await ds.runMigrations({ transaction: 'each' });
      if (applied.length) log.info('migrations applied', { schema, migrations: applied.map((m) => m.name) });
    });
  } catch (err) {
    if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    throw err;
  }
  return ds;
}

/** The advisory lock key replicas of one service take turns on while migrating its schema. */
export function migrationLockKey(schema: string): string {
  return `baton.migrate.${assertSchemaName(schema)}`;
}

/**
 * Runs `work` while holding a session-level advisory lock on a dedicated connection, released
 * (and the connection closed) afterwards whatever happens. A lost connection releases the lock
 * too, on the server's side.
 */
export async function withMigrationLock<T>(
  url: string,
  schema: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const key = migrationLockKey(schema);
  const client = new pg.Client({ connectionString: url, application_name: `baton-migrate:${schema}` });
  // Errors also reach the query under way; this keeps a lost connection from ending the process.
  client.on('error', (err) => log.warn('migration lock connection lost', { schema, error: err.message }));
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
      [key],
    );
    if (!rows[0].locked) {
      log.info('another replica is migrating this schema; waiting for it', { schema });
      await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [key]);
    }
    try {
      return await work(client);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [key]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', (err) => log.warn('schema connection lost', { schema, error: err.message }));
  await client.connect();
  try {
    await createSchema(client, schema);
  } finally {
    await client.end();
  }
}

async function createSchema(client: pg.Client, schema: string): Promise<void> {
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${assertSchemaName(schema)}`);
  } catch (err) {
    // Callers without the migration lock may race on CREATE SCHEMA; the loser sees a unique violation.
    if ((err as { code?: string }).code !== '23505') throw err;
  }
}
