import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { metricsRegistry } from '@baton/observability';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { openServiceDatabase } from './data-source.js';
import {
  DEFAULT_RETENTION_MS,
  Housekeeper,
  PROCESSED_EVENT_RETENTION,
  type HousekeeperOptions,
} from './housekeeper.js';
import { AuditLog1732300000301 } from '../test/audit-log.migration.js';

const DAY = 24 * 60 * 60 * 1000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const AUDIT_LOG = { table: 'audit_log', timeColumn: 'written_at', retentionMs: DAY };

/** A migrated schema with `old` dedupe rows 8 days old and `fresh` ones, and audit rows 2 days old and new. */
async function seeded(name: string, counts = { old: 2500, fresh: 10, oldAudit: 30, freshAudit: 5 }) {
  const env = isolatedEnv(name);
  const schema = env.DATABASE_SCHEMA!;
  cleanups.push(() => dropSchema(schema));
  const ds = await openServiceDatabase({
    url: env.DATABASE_URL,
    schema,
    migrations: [AuditLog1732300000301],
  });
  cleanups.push(() => ds.destroy());
  await ds.query(
    `INSERT INTO processed_event (consumer, event_id, processed_at)
     SELECT 'scorer', 'old-' || i, now() - interval '8 days' FROM generate_series(1, $1) AS i
     UNION ALL SELECT 'scorer', 'fresh-' || i, now() FROM generate_series(1, $2) AS i`,
    [counts.old, counts.fresh],
  );
  await ds.query(
    `INSERT INTO audit_log (note, written_at)
     SELECT 'old', now() - interval '2 days' FROM generate_series(1, $1)
     UNION ALL SELECT 'fresh', now() FROM generate_series(1, $2)`,
    [counts.oldAudit, counts.freshAudit],
  );
  const housekeeper = (opts: Partial<HousekeeperOptions> = {}) => {
    const h = new Housekeeper({
      url: env.DATABASE_URL,
      schema,
      tables: [PROCESSED_EVENT_RETENTION, AUDIT_LOG],
      batchPauseMs: 0,
      ...opts,
    });
    cleanups.push(() => h.stop());
    return h;
  };
  const count = async (table: string) =>
    (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${table}`))[0].n;
  return { env, schema, ds, housekeeper, count };
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = await metricsRegistry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
}

describe('Housekeeper on real Postgres', () => {
  it('keeps dedupe rows a week, longer than the Kafka retention and HubSpot retries', () => {
    expect(DEFAULT_RETENTION_MS).toBe(7 * DAY);
    expect(PROCESSED_EVENT_RETENTION).toEqual({
      table: 'processed_event',
      timeColumn: 'processed_at',
      retentionMs: DEFAULT_RETENTION_MS,
    });
  });

  it('deletes the rows past their retention, in bounded batches, and counts them', async () => {
    const { schema, housekeeper, count } = await seeded('hkprune');
    const h = housekeeper({ batchSize: 1000, maxBatchesPerRound: 2 });
    const before = Date.now() / 1000;

    // Two batches of 1000 per table per round: the rest waits for the next round.
    expect(await h.runOnce()).toEqual({
      ran: true,
      deleted: { processed_event: 2000, audit_log: 30 },
      failed: {},
    });
    expect(await count('processed_event')).toBe(510);
    expect(await h.runOnce()).toEqual({
      ran: true,
      deleted: { processed_event: 500, audit_log: 0 },
      failed: {},
    });
    expect(await query(`SELECT event_id FROM ${schema}.processed_event WHERE event_id LIKE 'old-%'`)).toEqual(
      [],
    );
    expect(await count('processed_event')).toBe(10);
    expect(await count('audit_log')).toBe(5);

    expect(await metric('baton_housekeeping_deleted_rows_total', { schema, table: 'processed_event' })).toBe(
      2500,
    );
    expect(await metric('baton_housekeeping_deleted_rows_total', { schema, table: 'audit_log' })).toBe(30);
    for (const table of ['processed_event', 'audit_log'])
      expect(
        await metric('baton_housekeeping_last_success_timestamp_seconds', { schema, table }),
      ).toBeGreaterThanOrEqual(before);
  });

  it('uses the injected clock for "now"', async () => {
    const { housekeeper, count } = await seeded('hkclock');
    // Ten days from now, the fresh rows are past a week too.
    const h = housekeeper({ clock: () => new Date(Date.now() + 10 * DAY) });
    expect((await h.runOnce()).deleted).toEqual({ processed_event: 2510, audit_log: 35 });
    expect(await count('processed_event')).toBe(0);
  });

  it('runs on one replica at a time: a round skips while another holds the schema lock', async () => {
    const { env, schema, housekeeper, count } = await seeded('hklock');
    const other = new pg.Client({ connectionString: env.DATABASE_URL });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query(`SELECT pg_advisory_lock(hashtext($1))`, [`baton.housekeeping.${schema}`]);
    const h = housekeeper();
    expect(await h.runOnce()).toEqual({ ran: false, deleted: {}, failed: {} });
    expect(await count('processed_event')).toBe(2510);

    await other.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`baton.housekeeping.${schema}`]);
    // Two replicas at once: the rows go once, whoever gets the lock.
    const rounds = await Promise.all([h.runOnce(), housekeeper().runOnce()]);
    const total = rounds.reduce((sum, r) => sum + (r.deleted.processed_event ?? 0), 0);
    expect(total).toBe(2500);
    expect(await count('processed_event')).toBe(10);
  });

  it('logs, counts and goes on when a table cannot be pruned; the other tables still are', async () => {
    const { schema, housekeeper, count } = await seeded('hkfail');
    const h = housekeeper({
      tables: [{ table: 'no_such_table', timeColumn: 'at', retentionMs: DAY }, PROCESSED_EVENT_RETENTION],
    });
    const round = await h.runOnce();
    expect(round.ran).toBe(true);
    expect(round.deleted).toEqual({ processed_event: 2500 });
    expect(round.failed.no_such_table).toMatch(/does not exist/);
    expect(await count('processed_event')).toBe(10);
    expect(await metric('baton_housekeeping_failures_total', { schema, table: 'no_such_table' })).toBe(1);

    // An unreachable database: the round fails, counted for every table, and nothing throws.
    const down = housekeeper({ url: 'postgres://postgres@127.0.0.1:1/baton_test' });
    const failed = await down.runOnce();
    expect(failed.ran).toBe(false);
    expect(Object.keys(failed.failed).sort()).toEqual(['audit_log', 'processed_event']);
    expect(await metric('baton_housekeeping_failures_total', { schema, table: 'audit_log' })).toBe(1);
  });

  it('runs every interval once started, and stops', async () => {
    const { schema, ds, housekeeper, count } = await seeded('hkstart', {
      old: 100,
      fresh: 1,
      oldAudit: 1,
      freshAudit: 1,
    });
    const h = housekeeper({ intervalMs: 100, initialDelayMs: 0 });
    h.start();
    await waitFor(async () => (await count('processed_event')) === 1, 10_000, 'the first round');
    // Rows that become old later go in a later round.
    await ds.query(
      `INSERT INTO processed_event (consumer, event_id, processed_at) VALUES ('scorer', 'later', now() - interval '8 days')`,
    );
    await waitFor(async () => (await count('processed_event')) === 1, 10_000, 'a later round');
    await h.stop();
    await ds.query(
      `INSERT INTO processed_event (consumer, event_id, processed_at) VALUES ('scorer', 'after-stop', now() - interval '8 days')`,
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(await query(`SELECT event_id FROM ${schema}.processed_event ORDER BY event_id`)).toEqual([
      { event_id: 'after-stop' },
      { event_id: 'fresh-1' },
    ]);
  });

  it('accepts only plain identifiers and positive retentions', () => {
    const make = (tables: HousekeeperOptions['tables']) =>
      new Housekeeper({ url: 'postgres://unused', schema: 'svc', tables });
    expect(() => make([{ table: 'log; DROP TABLE lead', timeColumn: 'at', retentionMs: DAY }])).toThrow(
      /invalid table name/,
    );
    expect(() => make([{ table: 'log', timeColumn: 'At"', retentionMs: DAY }])).toThrow(
      /invalid column name/,
    );
    expect(() => make([{ table: 'log', timeColumn: 'at', retentionMs: 0 }])).toThrow(/positive/);
    expect(() => make([PROCESSED_EVENT_RETENTION, PROCESSED_EVENT_RETENTION])).toThrow(/two retention rules/);
    expect(() => new Housekeeper({ url: 'postgres://unused', schema: 'Svc-1', tables: [] })).toThrow(
      /invalid schema name/,
    );
  });
});
