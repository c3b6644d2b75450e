import pg from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { JsonLogger } from '@baton/observability';
import { InfraTables1732300000000 } from './infra.migration.js';
import { assertSchemaName } from './schema.js';

export interface ServiceDatabaseOptions {
  /** postgres://… */
  url: string;
  /** The service's own schema; no service touches another's. */
  schema: string;
  entities?: NonNullable<ConstructorParameters<typeof DataSource>[0]['entities']>;
  /** The service's migrations; the shared infra tables (outbox, dedupe) are added first. */
  migrations?: (new () => MigrationInterface)[];
  poolSize?: number;
}

const log = new JsonLogger('persistence');

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
    migrations: [InfraTables1732300000000, ...(opts.migrations ?? [])],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: opts.poolSize ?? 10, options: `-c search_path=${schema},public` },
  });
}

/** Creates the schema if needed, connects and applies pending migrations. */
export async function openServiceDatabase(opts: ServiceDatabaseOptions): Promise<DataSource> {
  await ensureSchema(opts.url, opts.schema);
  const ds = createServiceDataSource(opts);
  await ds.initialize();
  const applied = await ds.runMigrations({ transaction: 'each' });
  if (applied.length)
    log.info('migrations applied', { schema: opts.schema, migrations: applied.map((m) => m.name) });
  return ds;
}

export async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${assertSchemaName(schema)}`);
  } catch (err) {
    // Two replicas starting together may race on CREATE SCHEMA; the loser sees a unique violation.
    if ((err as { code?: string }).code !== '23505') throw err;
  } finally {
    await client.end();
  }
}
