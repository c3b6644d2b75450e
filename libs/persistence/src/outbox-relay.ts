import pg from 'pg';
import type { OutgoingRecord } from '@baton/kafka';
import { JsonLogger, counter } from '@baton/observability';
import { outboxChannel } from './outbox.js';
import { assertSchemaName } from './schema.js';

export interface RecordSender {
  sendRecords(records: OutgoingRecord[]): Promise<void>;
}

export interface OutboxRelayOptions {
  url: string;
  schema: string;
  batchSize?: number;
  /**
   * Most bytes (keys, values and a per-record allowance for headers) published in one round.
   * The broker rejects a record batch over its message.max.bytes (1 MiB by default), and a
   * round's records can all belong to one partition.
   */
  maxRoundBytes?: number;
  /** Fallback poll when no NOTIFY arrives (e.g. after a failover). */
  pollIntervalMs?: number;
}

const relayed = counter('baton_outbox_relayed_total', 'Outbox events published to Kafka', ['schema']);
const relayErrors = counter(
  'baton_outbox_relay_errors_total',
  'Relay rounds that failed and will be retried',
  ['schema'],
);

interface Round {
  /** Events published; -1 when another relay holds the lock. */
  published: number;
  /** The round was cut short by its bounds: more events are waiting. */
  more: boolean;
}

/** Bytes counted per record for its headers and framing when bounding a round. */
const HEADER_ALLOWANCE = 256;

/**
 * Publishes the outbox to Kafka in id order, then deletes what was acknowledged.
 *
 * Safe with several replicas: each round takes a transaction-scoped advisory lock for the
 * schema, so exactly one relay publishes at a time (which also keeps per-lead order: two
 * relays working side by side could publish a lead's later event first). A crash between
 * the broker's acknowledgement and the COMMIT re-publishes that round once; consumers dedupe
 * on the CloudEvents id, which the re-publish keeps.
 */
export class OutboxRelay {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly batchSize: number;
  private readonly maxRoundBytes: number;
  private readonly pollIntervalMs: number;
  private readonly log: JsonLogger;
  private listener?: pg.PoolClient;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private signalled = false;

  constructor(
    private readonly sender: RecordSender,
    opts: OutboxRelayOptions,
  ) {
    this.schema = assertSchemaName(opts.schema);
    this.batchSize = opts.batchSize ?? 1000;
    this.maxRoundBytes = opts.maxRoundBytes ?? 512 * 1024;
    this.pollIntervalMs = opts.pollIntervalMs ?? 500;
    this.pool = new pg.Pool({ connectionString: opts.url, max: 2 });
    this.log = new JsonLogger(`outbox-relay.${this.schema}`);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.listener = await this.pool.connect();
    this.listener.on('notification', () => this.nudge());
    await this.listener.query(`LISTEN ${outboxChannel(this.schema)}`);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.nudge();
    await this.loop;
    if (this.listener) {
      await this.listener.query(`UNLISTEN *`).catch(() => undefined);
      this.listener.release();
    }
    await this.pool.end();
  }

  /** Publishes until the outbox is empty (or another relay holds the lock); returns how many it published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const round = await this.publishRound();
      if (round.published <= 0) return total;
      total += round.published;
      if (!round.more) return total;
    }
  }

  private nudge(): void {
    this.signalled = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let round: Round;
      try {
        this.signalled = false;
        round = await this.publishRound();
      } catch (err) {
        relayErrors.inc({ schema: this.schema });
        this.log.error('relay round failed; will retry', { error: err as Error });
        await this.idle(this.pollIntervalMs);
        continue;
      }
      if (round.more || this.signalled) continue;
      await this.idle(this.pollIntervalMs);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** One transaction: lock, read a batch, publish, delete. -1 when another relay holds the lock. */
  private async publishRound(): Promise<Round> {
    const client = await this.pool.connect();
    try {
      // BEGIN and the lock in one round trip (simple protocol; the schema name is checked).
      const [, lock] = (await client.query(
        `BEGIN; SELECT pg_try_advisory_xact_lock(hashtext('baton.outbox.${this.schema}')) AS locked`,
      )) as unknown as [pg.QueryResult, pg.QueryResult<{ locked: boolean }>];
      if (!lock.rows[0].locked) {
        await client.query('ROLLBACK');
        return { published: -1, more: false };
      }
      const { rows } = await client.query<{
        id: string;
        topic: string;
        key: string;
        value: string;
        headers: Record<string, string>;
        fetched: string;
      }>(
        // Of the first batchSize rows, the first always goes whatever its size, the rest while the
        // round stays under the byte bound; `fetched` tells whether rows were left for the next round.
        `SELECT id, topic, key, value, headers, fetched FROM (
           SELECT *, sum(size) OVER (ORDER BY id) AS upto, count(*) OVER () AS fetched FROM (
             SELECT id, topic, key, value, headers, octet_length(value) + octet_length(key) + ${HEADER_ALLOWANCE} AS size
               FROM ${this.schema}.outbox ORDER BY id LIMIT $1
           ) AS head
         ) AS round WHERE upto - size < $2 ORDER BY id`,
        [this.batchSize, this.maxRoundBytes],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return { published: 0, more: false };
      }
      await this.sender.sendRecords(
        rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, headers: r.headers })),
      );
      // DELETE and COMMIT in one round trip; ids are bigints read from the table.
      const ids = rows.map((r) => r.id);
      if (!ids.every((id) => /^\d+$/.test(id))) throw new Error('outbox ids must be bigints');
      await client.query(
        `DELETE FROM ${this.schema}.outbox WHERE id = ANY('{${ids.join(',')}}'::bigint[]); COMMIT`,
      );
      relayed.inc({ schema: this.schema }, rows.length);
      const fetched = Number(rows[0].fetched);
      return { published: rows.length, more: rows.length < fetched || fetched >= this.batchSize };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
