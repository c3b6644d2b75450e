import pg from 'pg';
import { JsonLogger, counter, gauge } from '@baton/observability';
import { assertIdentifier, assertSchemaName } from './schema.js';

/** Rows of `table` older than `retentionMs` by `timeColumn` (a timestamptz) are deleted. */
export interface RetentionRule {
  table: string;
  timeColumn: string;
  retentionMs: number;
}

/**
 * Seven days: longer than the Kafka retention of Baton's topics and HubSpot's 3-day webhook retry
 * window, so an event or webhook delivered again still finds its dedupe row.
 */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** The consumer dedupe table every service has (see InfraTables); services add their own tables. */
export const PROCESSED_EVENT_RETENTION: RetentionRule = {
  table: 'processed_event',
  timeColumn: 'processed_at',
  retentionMs: DEFAULT_RETENTION_MS,
};

export interface HousekeeperOptions {
  /** postgres://… */
  url: string;
  /** The service's schema; every table is in it. */
  schema: string;
  tables: readonly RetentionRule[];
  /** Between rounds; one hour by default. */
  intervalMs?: number;
  /** Before the first round after start(); a random part of a minute by default, so replicas spread. */
  initialDelayMs?: number;
  /** Rows deleted per statement, each its own short transaction; 1000 by default. */
  batchSize?: number;
  /** Most statements per table in one round; what is left waits for the next round. 1000 by default. */
  maxBatchesPerRound?: number;
  /** Pause between two statements, leaving the database to the service's own work; 10 ms by default. */
  batchPauseMs?: number;
  /** Now; rows older than now − retention are deleted. */
  clock?: () => Date;
  /** Shown in pg_stat_activity; `baton-housekeeper:<schema>` by default. */
  applicationName?: string;
}

export interface HousekeepingRound {
  /** False when another replica held the lock, or the database could not be reached. */
  ran: boolean;
  /** Rows deleted per table this round. */
  deleted: Record<string, number>;
  /** Tables not (fully) pruned this round, with the error; retried next round. */
  failed: Record<string, string>;
}

const deletedRows = counter('baton_housekeeping_deleted_rows_total', 'Rows deleted by retention', [
  'schema',
  'table',
]);
const lastSuccess = gauge(
  'baton_housekeeping_last_success_timestamp_seconds',
  'When housekeeping last went through a table without an error (Unix time)',
  ['schema', 'table'],
);
const failures = counter(
  'baton_housekeeping_failures_total',
  'Housekeeping rounds in which a table could not be pruned (retried next round)',
  ['schema', 'table'],
);

/** Bounds each statement so a slow delete or a lock wait never holds the service's tables for long. */
const SESSION_SETTINGS = '-c statement_timeout=30000 -c lock_timeout=2000';

/**
 * Deletes rows past their retention from dedupe and log tables that would otherwise only grow.
 *
 * In bounded batches (each a short transaction, rows locked by the service skipped), on one
 * replica at a time (a session advisory lock per schema: the others skip the round). A failure is
 * logged and counted, and the round is tried again at the next interval; it never throws.
 */
export class Housekeeper {
  private readonly schema: string;
  private readonly rules: readonly RetentionRule[];
  private readonly intervalMs: number;
  private readonly initialDelayMs: number;
  private readonly batchSize: number;
  private readonly maxBatchesPerRound: number;
  private readonly batchPauseMs: number;
  private readonly clock: () => Date;
  private readonly applicationName: string;
  private readonly log: JsonLogger;
  private timer?: NodeJS.Timeout;
  private round?: Promise<HousekeepingRound>;
  private running = false;
  private stopping = false;
  /** Tables already checked for an index on their time column. */
  private readonly indexChecked = new Set<string>();

  constructor(private readonly opts: HousekeeperOptions) {
    this.schema = assertSchemaName(opts.schema);
    const seen = new Set<string>();
    this.rules = opts.tables.map((rule) => {
      assertIdentifier(rule.table, 'table');
      assertIdentifier(rule.timeColumn, 'column');
      if (!Number.isFinite(rule.retentionMs) || rule.retentionMs <= 0)
        throw new Error(
          `retention of ${rule.table} must be a positive number of ms, not ${rule.retentionMs}`,
        );
      if (seen.has(rule.table)) throw new Error(`table ${rule.table} has two retention rules`);
      seen.add(rule.table);
      return { ...rule };
    });
    this.intervalMs = opts.intervalMs ?? 60 * 60 * 1000;
    this.initialDelayMs = opts.initialDelayMs ?? Math.round(Math.random() * 60_000);
    this.batchSize = positive(opts.batchSize ?? 1000, 'batchSize');
    this.maxBatchesPerRound = positive(opts.maxBatchesPerRound ?? 1000, 'maxBatchesPerRound');
    this.batchPauseMs = opts.batchPauseMs ?? 10;
    this.clock = opts.clock ?? (() => new Date());
    this.applicationName = opts.applicationName ?? `baton-housekeeper:${this.schema}`;
    this.log = new JsonLogger(`housekeeper.${this.schema}`);
  }

  /** Runs a round after the initial delay, then one every interval, until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.schedule(this.initialDelayMs);
  }

  /** Cancels the next round, and ends the one under way after its current statement. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round now (waiting for one under way in this process first); never throws. */
  async runOnce(): Promise<HousekeepingRound> {
    while (this.round) await this.round;
    this.round = this.prune().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce().finally(() => {
        if (this.running && !this.timer) this.schedule(this.intervalMs);
      });
    }, ms);
    // Housekeeping never keeps a process alive on its own.
    this.timer.unref();
  }

  private async prune(): Promise<HousekeepingRound> {
    const result: HousekeepingRound = { ran: false, deleted: {}, failed: {} };
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: this.applicationName,
      options: SESSION_SETTINGS,
      connectionTimeoutMillis: 10_000,
    });
    // A lost connection also fails the statement under way, which is handled below.
    client.on('error', (err) => this.log.warn('housekeeping connection lost', { error: err.message }));
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
        [`baton.housekeeping.${this.schema}`],
      );
      if (!rows[0].locked) {
        this.log.debug('another replica is housekeeping this schema; skipping the round');
        return result;
      }
      result.ran = true;
      for (const rule of this.rules) {
        if (this.stopping) break;
        try {
          result.deleted[rule.table] = await this.pruneTable(client, rule);
          lastSuccess.set({ schema: this.schema, table: rule.table }, Date.now() / 1000);
        } catch (err) {
          result.failed[rule.table] = (err as Error).message;
          failures.inc({ schema: this.schema, table: rule.table });
          this.log.error('could not prune a table; retrying next round', {
            table: rule.table,
            error: err as Error,
          });
        }
      }
      // Ending the session below releases the lock too; this keeps it short when the end is slow.
      await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`baton.housekeeping.${this.schema}`]);
    } catch (err) {
      for (const rule of this.rules) {
        if (rule.table in result.deleted || rule.table in result.failed) continue;
        result.failed[rule.table] = (err as Error).message;
        failures.inc({ schema: this.schema, table: rule.table });
      }
      this.log.error('housekeeping round failed; retrying next round', { error: err as Error });
    } finally {
      await client.end().catch(() => undefined);
    }
    const total = Object.values(result.deleted).reduce((a, b) => a + b, 0);
    if (total > 0) this.log.info('old rows deleted', { deleted: result.deleted });
    return result;
  }

  /** Deletes the table's old rows in batches; returns how many. */
  private async pruneTable(client: pg.Client, rule: RetentionRule): Promise<number> {
    const table = `${this.schema}."${rule.table}"`;
    const column = `"${rule.timeColumn}"`;
    if (!this.indexChecked.has(rule.table)) {
      await this.checkTable(client, rule);
      this.indexChecked.add(rule.table);
    }
    const cutoff = new Date(this.clock().getTime() - rule.retentionMs);
    // By ctid: works for any primary key. SKIP LOCKED: rows the service holds are left for next time.
    const sql = `DELETE FROM ${table} WHERE ${column} < $1 AND ctid = ANY(ARRAY(
        SELECT ctid FROM ${table} WHERE ${column} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`;
    let deleted = 0;
    for (let batch = 0; batch < this.maxBatchesPerRound && !this.stopping; batch++) {
      const { rowCount } = await client.query(sql, [cutoff, this.batchSize]);
      const n = rowCount ?? 0;
      deleted += n;
      if (n > 0) deletedRows.inc({ schema: this.schema, table: rule.table }, n);
      if (n < this.batchSize) return deleted;
      if (this.batchPauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.batchPauseMs));
    }
    if (!this.stopping)
      this.log.info('more old rows than one round deletes; the rest goes next round', {
        table: rule.table,
        deleted,
      });
    return deleted;
  }

  /** The table must exist; without an index leading with the time column every batch scans it. */
  private async checkTable(client: pg.Client, rule: RetentionRule): Promise<void> {
    const { rows } = await client.query<{ exists: boolean; indexed: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS exists, EXISTS (
         SELECT 1 FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = to_regclass($1) AND a.attname = $2
       ) AS indexed`,
      [`${this.schema}."${rule.table}"`, rule.timeColumn],
    );
    if (!rows[0].exists) throw new Error(`table ${this.schema}.${rule.table} does not exist`);
    if (!rows[0].indexed)
      this.log.warn('no index leads with the time column: each housekeeping batch scans the table', {
        table: rule.table,
        column: rule.timeColumn,
      });
  }
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, not ${n}`);
  return n;
}
