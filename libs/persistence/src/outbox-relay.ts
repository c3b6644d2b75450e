import pg from 'pg';
import {
  backoffDelay,
  isRecordRefused,
  isTopicMissing,
  type OutgoingRecord,
  type RetryPolicy,
} from '@baton/kafka';
import { JsonLogger, counter, gauge } from '@baton/observability';
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
  /**
   * Backoff (exponential, jittered, capped) between attempts to re-open a lost LISTEN
   * connection, and between retries of a failed round (never longer than the poll interval).
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * How often a quiet LISTEN connection is checked with a query: a peer that vanished without
   * closing the connection (a failover behind a virtual IP) is found this way.
   */
  listenerCheckIntervalMs?: number;
  /** Shown in pg_stat_activity for the relay's connections; `baton-relay:<schema>` by default. */
  applicationName?: string;
  /**
   * Creates the topics again when a round finds them missing (the broker was wiped under the
   * service); the next round publishes what waited meanwhile. See `topicReprovisioner` in
   * @baton/kafka (one shared with the service's consumers).
   */
  reprovision?: () => Promise<void>;
  /**
   * Longest stop() takes (5 s by default), whatever is unreachable: a round that cannot finish by
   * then is abandoned (its transaction rolls back, its events stay in the outbox and go again
   * later: at least once).
   */
  stopTimeoutMs?: number;
}

/** What the relay is doing, for readiness: is it failing, since when did it last get through. */
export interface OutboxRelayHealth {
  /** Rounds that failed in a row (0 after a round that got through). */
  consecutiveFailures: number;
  lastError?: string;
  lastFailureAt?: Date;
  /** End of the last round that got through (published, found nothing, or another replica held the lock). */
  lastSuccessAt?: Date;
  /** Whether it holds its LISTEN connection (false while it reconnects). */
  listening: boolean;
  /** Started and not stopped. */
  running: boolean;
}

const relayed = counter('baton_outbox_relayed_total', 'Outbox events published to Kafka', ['schema']);
const relayErrors = counter(
  'baton_outbox_relay_errors_total',
  'Relay rounds that failed and will be retried',
  ['schema'],
);
const connectionErrors = counter(
  'baton_outbox_relay_connection_errors_total',
  'Relay database connections lost or not opened (listen: the LISTEN connection; pool: round connections)',
  ['schema', 'connection'],
);
const consecutiveFailuresGauge = gauge(
  'baton_outbox_relay_consecutive_failures',
  'Relay rounds failed in a row (0 once a round gets through)',
  ['schema'],
);
const lastSuccessGauge = gauge(
  'baton_outbox_relay_last_success_timestamp_seconds',
  'When a relay round last got through (Unix time)',
  ['schema'],
);
const oldestPendingGauge = gauge(
  'baton_outbox_oldest_pending_age_seconds',
  'Age of the oldest event waiting in the outbox when last measured (0: none waiting)',
  ['schema'],
);
const setAside = counter(
  'baton_outbox_dead_total',
  'Outbox events the broker refused for good (too large, malformed), moved to outbox_dead',
  ['schema'],
);
const reprovisions = counter(
  'baton_outbox_relay_reprovisions_total',
  'Relay rounds that found their topics missing and had them provisioned again',
  ['schema'],
);
const listening = gauge(
  'baton_outbox_relay_listening',
  'Whether the relay holds a LISTEN connection (1) or is reconnecting (0)',
  ['schema'],
);

interface Round {
  /** Events published; -1 when another relay holds the lock. */
  published: number;
  /** The round was cut short by its bounds (or set an event aside): more events may be waiting. */
  more: boolean;
}

/** Bytes counted per record for its headers and framing when bounding a round. */
const HEADER_ALLOWANCE = 256;

/**
 * For every relay connection: give up connecting to an unreachable server (the caller retries),
 * and probe idle TCP connections so a vanished peer is noticed.
 */
const CONNECTION_SETTINGS = {
  connectionTimeoutMillis: 10_000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
} as const;

/** Longest wait for the LISTEN connection to answer a check. */
const LISTENER_CHECK_TIMEOUT_MS = 5_000;

/** Longest wait for any query of a round (the Kafka send is not a query, and is not bounded by it). */
const ROUND_QUERY_TIMEOUT_MS = 30_000;

/** Longest wait for the age of the oldest outbox row (a readiness probe asks). */
const AGE_QUERY_TIMEOUT_MS = 2_000;

/**
 * Publishes the outbox to Kafka in id order, then deletes what was acknowledged.
 *
 * Safe with several replicas: each round takes a transaction-scoped advisory lock for the
 * schema, so exactly one relay publishes at a time (which also keeps per-lead order: two
 * relays working side by side could publish a lead's later event first). A crash between
 * the broker's acknowledgement and the COMMIT re-publishes that round once; consumers dedupe
 * on the CloudEvents id, which the re-publish keeps.
 *
 * An event the broker refuses for good (larger than its size limit, malformed) cannot stop the
 * events behind it: the round is done again one event at a time, and the refused one is moved,
 * whole and with the reason, to `outbox_dead` (logged and counted).
 *
 * Survives a database restart or failover: a lost connection is logged and counted, never
 * raised; the LISTEN connection is re-opened with backoff, and a round runs as soon as it is
 * back, publishing what was committed while no NOTIFY could arrive.
 *
 * Tells its health (failing rounds, last success, the age of the oldest waiting event) for
 * readiness, has its topics provisioned again when they vanished, and stops within a bound.
 */
export class OutboxRelay {
  /** Round connections; replaced when the server seems gone (see listenerLost). */
  private pool: pg.Pool;
  private readonly url: string;
  private readonly schema: string;
  private readonly applicationName: string;
  private readonly batchSize: number;
  private readonly maxRoundBytes: number;
  private readonly pollIntervalMs: number;
  private readonly listenerCheckIntervalMs: number;
  private readonly backoff: RetryPolicy;
  private readonly log: JsonLogger;
  private listener?: pg.Client;
  /** The connection of the round under way, if any. */
  private roundClient?: pg.PoolClient;
  private checkTimer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private reconnecting?: Promise<void>;
  /** Aborted by stop(): ends reconnect backoffs at once. */
  private stopSignal = new AbortController();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private signalled = false;
  private readonly reprovision?: () => Promise<void>;
  private readonly stopTimeoutMs: number;
  private consecutiveFailures = 0;
  private lastError?: string;
  private lastFailureAt?: Date;
  private lastSuccessAt?: Date;
  /** After the broker refused a round's records: rounds of one event, this many, to find the one. */
  private isolating = 0;

  constructor(
    private readonly sender: RecordSender,
    opts: OutboxRelayOptions,
  ) {
    this.schema = assertSchemaName(opts.schema);
    this.url = opts.url;
    this.applicationName = opts.applicationName ?? `baton-relay:${this.schema}`;
    this.batchSize = opts.batchSize ?? 1000;
    this.maxRoundBytes = opts.maxRoundBytes ?? 512 * 1024;
    this.pollIntervalMs = opts.pollIntervalMs ?? 500;
    this.listenerCheckIntervalMs = opts.listenerCheckIntervalMs ?? 30_000;
    this.backoff = {
      attempts: Number.POSITIVE_INFINITY,
      initialDelayMs: opts.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: opts.reconnect?.maxDelayMs ?? 5_000,
    };
    this.reprovision = opts.reprovision;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    this.log = new JsonLogger(`outbox-relay.${this.schema}`);
    this.pool = this.createPool();
  }

  health(): OutboxRelayHealth {
    return {
      consecutiveFailures: this.consecutiveFailures,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.lastFailureAt ? { lastFailureAt: this.lastFailureAt } : {}),
      ...(this.lastSuccessAt ? { lastSuccessAt: this.lastSuccessAt } : {}),
      listening: this.isListening,
      running: this.running,
    };
  }

  /**
   * How long the oldest event has waited in the outbox, in ms (by the database's clock), or null
   * when it is empty. One index lookup (the first row by primary key); bounded to 2 s. A backlog
   * that keeps growing older means nothing reaches Kafka, whatever the relay believes.
   */
  async oldestPendingAgeMs(): Promise<number | null> {
    const { rows } = await this.pool.query<{ age_ms: number }>({
      text: `SELECT (extract(epoch FROM clock_timestamp() - created_at) * 1000)::float8 AS age_ms
               FROM ${this.schema}.outbox ORDER BY id LIMIT 1`,
      query_timeout: AGE_QUERY_TIMEOUT_MS,
    } as pg.QueryConfig);
    const age = rows.length === 0 ? null : Math.max(0, Math.round(Number(rows[0].age_ms)));
    oldestPendingGauge.set({ schema: this.schema }, (age ?? 0) / 1000);
    return age;
  }

  private roundSucceeded(): void {
    this.consecutiveFailures = 0;
    this.lastSuccessAt = new Date();
    consecutiveFailuresGauge.set({ schema: this.schema }, 0);
    lastSuccessGauge.set({ schema: this.schema }, this.lastSuccessAt.getTime() / 1000);
  }

  private roundFailed(err: unknown): void {
    this.consecutiveFailures++;
    this.lastFailureAt = new Date();
    this.lastError = err instanceof Error ? err.message : String(err);
    consecutiveFailuresGauge.set({ schema: this.schema }, this.consecutiveFailures);
    relayErrors.inc({ schema: this.schema });
  }

  /** The topics are gone (a wiped broker): have them created again; the next round publishes. */
  private async reprovisionTopics(err: unknown): Promise<void> {
    if (!this.reprovision || !isTopicMissing(err)) return;
    reprovisions.inc({ schema: this.schema });
    this.log.warn('topics missing; provisioning them again', { error: (err as Error).message });
    try {
      await this.reprovision();
    } catch (e) {
      this.log.error('could not provision the topics again; the next round tries again', {
        error: (e as Error).message,
      });
    }
  }

  private createPool(): pg.Pool {
    const pool = new pg.Pool({
      connectionString: this.url,
      max: 2,
      application_name: this.applicationName,
      // A round's queries are short; one that gets no answer is on a connection to a vanished server.
      query_timeout: ROUND_QUERY_TIMEOUT_MS,
      ...CONNECTION_SETTINGS,
    });
    // Idle round connections closed by the server are dropped by the pool; the next round opens
    // a new one. Without this listener the error would end the process.
    pool.on('error', (err) => {
      connectionErrors.inc({ schema: this.schema, connection: 'pool' });
      this.log.warn('idle relay connection lost; the next round opens a new one', { error: err.message });
    });
    return pool;
  }

  /** Opens the LISTEN connection (failing if the database cannot be reached) and starts relaying. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopSignal = new AbortController();
    try {
      await this.listen();
    } catch (err) {
      this.running = false;
      throw err;
    }
    this.loop = this.run();
    this.checkTimer = setInterval(() => {
      this.checking ??= this.checkListener().finally(() => {
        this.checking = undefined;
      });
    }, this.listenerCheckIntervalMs);
    this.checkTimer.unref();
  }

  /**
   * Stops relaying within `stopTimeoutMs`, whatever is down: with `drain`, first publishes what
   * is waiting (as far as the bound allows). A round that cannot finish in time (Kafka or Postgres
   * unreachable) is abandoned: its connection is closed, which rolls its transaction back, and
   * its events stay in the outbox for the next relay (at least once).
   */
  async stop(opts: { drain?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    const deadline = Date.now() + this.stopTimeoutMs;
    this.running = false;
    clearInterval(this.checkTimer);
    this.stopSignal.abort();
    this.nudge();
    const finished = await settlesWithin(
      (async () => {
        await this.loop;
        await this.reconnecting;
        await this.checking;
        if (opts.drain)
          await this.drain().catch((err) =>
            this.log.error('final outbox drain failed; the events stay for the next relay', {
              error: err as Error,
            }),
          );
      })(),
      deadline - Date.now(),
    );
    if (!finished) {
      this.log.warn('stop did not finish in time; abandoning the round under way (its events go again)', {
        stopTimeoutMs: this.stopTimeoutMs,
      });
      this.roundClient?.end().catch(() => undefined);
    }
    const listener = this.listener;
    this.listener = undefined;
    listening.set({ schema: this.schema }, 0);
    // Closing the session ends its LISTEN. Bounded: to a vanished server a goodbye never completes.
    const left = () => Math.max(100, deadline - Date.now());
    if (listener) await within(listener.end(), Math.min(2_000, left())).catch(() => undefined);
    // Waits for checked-out connections; an abandoned round's may take long to give up.
    const pool = this.pool;
    await settlesWithin(pool.end(), left()).catch(() => undefined);
  }

  /** Whether the relay holds its LISTEN connection (false while it reconnects). */
  get isListening(): boolean {
    return this.listener !== undefined;
  }

  /** Publishes until the outbox is empty (or another relay holds the lock); returns how many it published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      let round: Round;
      try {
        round = await this.publishRound();
        this.roundSucceeded();
      } catch (err) {
        this.roundFailed(err);
        await this.reprovisionTopics(err);
        throw err;
      }
      if (round.published < 0 || (round.published === 0 && !round.more)) return total;
      total += round.published;
      if (!round.more) return total;
    }
  }

  private nudge(): void {
    this.signalled = true;
    this.wake?.();
  }

  /** A dedicated connection (not from the pool, whose clients come and go) that LISTENs. */
  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: this.applicationName,
      ...CONNECTION_SETTINGS,
    });
    client.on('error', (err) => this.listenerLost(client, err));
    client.on('end', () => this.listenerLost(client, new Error('connection ended')));
    client.on('notification', () => this.nudge());
    try {
      await client.connect();
      await client.query(`LISTEN ${outboxChannel(this.schema)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    listening.set({ schema: this.schema }, 1);
  }

  /** Called for every error or end of a LISTEN connection; acts once, for the current one. */
  private listenerLost(client: pg.Client, err: Error): void {
    if (client !== this.listener) return;
    this.listener = undefined;
    listening.set({ schema: this.schema }, 0);
    connectionErrors.inc({ schema: this.schema, connection: 'listen' });
    // Its 'error' listener stays: a late error from the abandoned connection must not be unhandled.
    client.end().catch(() => undefined);
    if (!this.running) return;
    // The pool's idle connections went to the same server and may be dead without knowing it
    // (a vanished peer sends nothing): rounds start on fresh ones. Checked-out ones finish first.
    const stale = this.pool;
    this.pool = this.createPool();
    stale.end().catch(() => undefined);
    this.log.warn('LISTEN connection lost; reconnecting', { error: err.message });
    this.reconnecting ??= this.reconnect().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; this.running; attempt++) {
      const delayMs = backoffDelay(this.backoff, attempt);
      if (!(await this.pause(delayMs))) return;
      try {
        await this.listen();
        if (!this.running) return;
        this.log.info('LISTEN connection re-established', { attempts: attempt });
        // NOTIFYs sent while no connection listened are lost: look at the outbox now.
        this.nudge();
        return;
      } catch (err) {
        connectionErrors.inc({ schema: this.schema, connection: 'listen' });
        this.log.warn('could not re-open the LISTEN connection; retrying', {
          attempt,
          error: (err as Error).message,
        });
      }
    }
  }

  /** Waits `ms`, or less if the relay stops; false when it stopped. */
  private pause(ms: number): Promise<boolean> {
    const signal = this.stopSignal.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve(!signal.aborted);
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let round: Round;
      try {
        this.signalled = false;
        round = await this.publishRound();
        this.roundSucceeded();
      } catch (err) {
        if (!this.running) return;
        this.roundFailed(err);
        const failures = this.consecutiveFailures;
        this.log.error('relay round failed; will retry', { error: err as Error, attempt: failures });
        await this.reprovisionTopics(err);
        await this.idle(Math.min(this.pollIntervalMs, backoffDelay(this.backoff, failures)));
        continue;
      }
      if (round.more || this.signalled) continue;
      await this.idle(this.pollIntervalMs);
    }
  }

  /** Waits for a NOTIFY (or a stop) at most `ms`; returns at once if one came since the round began. */
  private idle(ms: number): Promise<void> {
    if (this.signalled || !this.running) return Promise.resolve();
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

  /** A LISTEN connection may be dead without knowing it (a vanished peer sends nothing); a query finds out. */
  private async checkListener(): Promise<void> {
    const listener = this.listener;
    if (!listener || !this.running) return;
    try {
      await within(listener.query('SELECT 1'), LISTENER_CHECK_TIMEOUT_MS);
    } catch (err) {
      if (listener !== this.listener) return;
      // A round under way talks to the same silent server: end it now rather than wait out its
      // query timeout (the round is retried; what it had sent goes again, at least once).
      const round = this.roundClient;
      if (round) {
        this.log.warn('ending the round under way: the server stopped answering');
        round.end().catch(() => undefined);
      }
      this.listenerLost(listener, err as Error);
    }
  }

  /** Moves a refused event to outbox_dead (whole, with the reason) and commits the round. */
  private async setAside(client: pg.PoolClient, id: string, err: unknown): Promise<void> {
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
    await client.query(
      `INSERT INTO ${this.schema}.outbox_dead (id, event_id, topic, key, value, headers, created_at, reason)
       SELECT id, event_id, topic, key, value, headers, created_at, $2 FROM ${this.schema}.outbox WHERE id = $1
       ON CONFLICT (id) DO NOTHING`,
      [id, reason],
    );
    const { rows } = await client.query<{ topic: string; event_id: string; bytes: number }>(
      `DELETE FROM ${this.schema}.outbox WHERE id = $1 RETURNING topic, event_id, octet_length(value) AS bytes`,
      [id],
    );
    await client.query('COMMIT');
    setAside.inc({ schema: this.schema });
    this.log.error('the broker refused an outbox event for good; set aside in outbox_dead', {
      id,
      topic: rows[0]?.topic,
      eventId: rows[0]?.event_id,
      bytes: rows[0]?.bytes,
      reason,
    });
  }

  /** One transaction: lock, read a batch, publish, delete. -1 when another relay holds the lock. */
  private async publishRound(): Promise<Round> {
    const client = await this.pool.connect();
    this.roundClient = client;
    // A checked-out client has no pool listener: a connection lost mid-round must not be unhandled
    // (the query under way fails too, and the round is retried).
    let lost: Error | undefined;
    let failed = false;
    const onError = (err: Error) => {
      if (!lost) connectionErrors.inc({ schema: this.schema, connection: 'pool' });
      lost = err;
    };
    client.on('error', onError);
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
        [this.isolating > 0 ? 1 : this.batchSize, this.maxRoundBytes],
      );
      if (rows.length === 0) {
        this.isolating = 0;
        await client.query('COMMIT');
        return { published: 0, more: false };
      }
      try {
        await this.sender.sendRecords(
          rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, headers: r.headers })),
        );
      } catch (err) {
        if (!isRecordRefused(err)) throw err;
        if (rows.length > 1) {
          // One of them (or more) can never be sent: find it, one event per round.
          this.isolating = rows.length;
          throw err;
        }
        await this.setAside(client, rows[0].id, err);
        if (this.isolating > 0) this.isolating--;
        return { published: 0, more: true };
      }
      if (this.isolating > 0) this.isolating--;
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
      failed = true;
      throw err;
    } finally {
      if (this.roundClient === client) this.roundClient = undefined;
      client.removeListener('error', onError);
      // After a failure the connection is closed, not pooled: that rolls the transaction back (and
      // frees its lock) without a ROLLBACK that could wait behind a query that never returns.
      client.release(lost ?? failed);
    }
  }
}

/** Whether `p` settled within `ms` (a rejection counts as settled; none is left unhandled). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = p.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([
      settled,
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, ms));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `p`, or a rejection once `ms` passed without it settling. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]);
}
