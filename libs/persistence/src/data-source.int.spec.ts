import { afterEach, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { metricsRegistry } from '@baton/observability';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { openServiceDatabase } from './data-source.js';
import { raceMigrations } from '../test/race.migrations.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function fresh(name: string) {
  const env = isolatedEnv(name);
  const schema = env.DATABASE_SCHEMA!;
  cleanups.push(() => dropSchema(schema));
  const open = async (): Promise<DataSource> => {
    const ds = await openServiceDatabase({ url: env.DATABASE_URL, schema, migrations: raceMigrations });
    cleanups.push(() => ds.destroy());
    return ds;
  };
  return { env, schema, open };
}

async function poolErrors(schema: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('baton_db_pool_errors_total')?.get();
  return metric?.values.find((v) => v.labels.schema === schema)?.value ?? 0;
}

describe('service database on real Postgres', () => {
  it('applies the migrations once when two replicas open a fresh schema at the same time', async () => {
    const { schema, open } = fresh('twomigrate');
    const [a, b] = await Promise.all([open(), open()]);
    expect(await query(`SELECT name FROM ${schema}.migration_run ORDER BY name`)).toEqual([
      { name: 'RaceFirst1732300000101' },
      { name: 'RaceSecond1732300000102' },
      { name: 'RaceThird1732300000103' },
    ]);
    expect(await query(`SELECT name FROM ${schema}.migrations ORDER BY id`)).toEqual([
      { name: 'InfraTables1732300000000' },
      { name: 'RaceFirst1732300000101' },
      { name: 'RaceSecond1732300000102' },
      { name: 'RaceThird1732300000103' },
      { name: 'InfraProcessedAtIndex1796083200000' },
      { name: 'InfraOutboxDead1796169600000' },
    ]);
    // Both are usable, and neither kept the lock.
    expect(await a.query(`SELECT count(*)::int AS n FROM race_lead`)).toEqual([{ n: 0 }]);
    expect(await b.query(`SELECT count(*)::int AS n FROM race_lead`)).toEqual([{ n: 0 }]);
    expect(
      await query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext($1)::oid`,
        [`baton.migrate.${schema}`],
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('survives the server terminating its idle connections, and reconnects on the next query', async () => {
    const { schema, open } = fresh('dsterminate');
    const ds = await open();
    // Several idle connections in the pool.
    await Promise.all(Array.from({ length: 3 }, () => ds.query('SELECT pg_sleep(0.05)')));
    const before = await poolErrors(schema);
    const killed = await query<{ pid: number }>(
      `SELECT pg_terminate_backend(pid) AS killed, pid FROM pg_stat_activity WHERE application_name = $1`,
      [`baton:${schema}`],
    );
    expect(killed.length).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await poolErrors(schema)) >= before + killed.length, 10_000, 'pool errors');
    expect(await ds.query(`SELECT count(*)::int AS n FROM race_lead`)).toEqual([{ n: 0 }]);
  });
});
