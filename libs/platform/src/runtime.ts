import type { Admin } from 'kafkajs';
import type { DataSource, EntityManager, MigrationInterface } from 'typeorm';
import type { TopicName } from '@baton/domain';
import {
  EventConsumer,
  EventPublisher,
  createKafka,
  provisionTopics,
  topicReprovisioner,
  type ConsumerOptions,
  type KafkaConnection,
} from '@baton/kafka';
import { JsonLogger, enableDefaultMetrics } from '@baton/observability';
import { Outbox, OutboxRelay, ProcessedEvents, openServiceDatabase } from '@baton/persistence';
import type { BaseEnv } from './config.js';
import { DEFAULT_SESSION_TIMEOUT_MS } from './consumer-settings.js';
import { Releasers } from './releasers.js';

export interface RuntimeOptions {
  /** Service name: consumer group, CloudEvents source (baton/<service>), default schema. */
  service: string;
  env: BaseEnv;
  /** Topics this service produces or consumes; created (with their DLQs) at start-up when missing. */
  topics: readonly TopicName[];
  entities?: NonNullable<Parameters<typeof openServiceDatabase>[0]['entities']>;
  migrations?: (new () => MigrationInterface)[];
  /** Off for tools that only read; on by default. */
  relay?: boolean;
  relayBatchSize?: number;
  /** Readiness fails when the relay failed this many rounds in a row (BATON_READY_RELAY_FAILURES). */
  readyRelayFailures?: number;
  /** Readiness fails when the oldest outbox event waits longer (BATON_READY_OUTBOX_AGE_SECONDS). */
  readyOutboxAgeMs?: number;
}

/** Bounds each consumer's and the relay's stop, so SIGTERM finishes within the kit's 10 s. */
const PIECE_STOP_TIMEOUT_MS = 4_000;

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

/**
 * Everything a Baton service holds open: its database (migrated), Kafka, the outbox and its
 * relay, consumers. Started before the HTTP server, stopped in reverse order on SIGTERM:
 * consumers finish their batch and commit, the relay drains, then connections close.
 */
export class ServiceRuntime {
  readonly source: string;
  readonly schema: string;
  readonly outbox: Outbox;
  readonly publisher: EventPublisher;
  private readonly relay?: OutboxRelay;
  private readonly consumers: EventConsumer[] = [];
  private readonly reprovision: () => Promise<void>;
  readonly log: JsonLogger;
  private admin?: Promise<Admin>;

  private constructor(
    readonly options: RuntimeOptions,
    readonly db: DataSource,
    readonly kafka: KafkaConnection,
    private readonly releasers: Releasers,
  ) {
    this.source = `baton/${options.service}`;
    this.schema = options.env.DATABASE_SCHEMA ?? options.service.replace(/-/g, '_');
    this.outbox = new Outbox(this.source, this.schema);
    this.publisher = new EventPublisher(kafka, this.source, { disconnectTimeoutMs: PIECE_STOP_TIMEOUT_MS });
    // Topics that vanish under a running service (a broker wiped and re-created) are created
    // again by whichever piece meets their absence first; consumers and relay then resume.
    this.reprovision = topicReprovisioner(kafka, options.topics, {
      partitions: options.env.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: options.env.KAFKA_REPLICATION_FACTOR,
    });
    if (options.relay !== false) {
      this.relay = new OutboxRelay(this.publisher, {
        url: options.env.DATABASE_URL,
        schema: this.schema,
        batchSize: options.relayBatchSize,
        reprovision: this.reprovision,
        stopTimeoutMs: PIECE_STOP_TIMEOUT_MS,
      });
    }
    this.log = new JsonLogger(`runtime.${options.service}`);
  }

  /**
   * Opens the database (migrated), provisions the topics, connects the producer and starts the
   * relay. Each piece registers its releaser as it comes up: a failure releases what was started,
   * in reverse order, and rethrows.
   */
  static async start(options: RuntimeOptions): Promise<ServiceRuntime> {
    const { env } = options;
    enableDefaultMetrics(options.service);
    JsonLogger.configure({ level: env.LOG_LEVEL as 'info' });
    const releasers = new Releasers();
    try {
      const schema = env.DATABASE_SCHEMA ?? options.service.replace(/-/g, '_');
      const db = await openServiceDatabase({
        url: env.DATABASE_URL,
        schema,
        entities: options.entities,
        migrations: options.migrations,
      });
      releasers.add('database', async () => {
        if (db.isInitialized) await db.destroy();
      });
      const kafka = createKafka({
        brokers: env.KAFKA_BROKERS,
        clientId: `baton-${options.service}`,
        topicPrefix: env.KAFKA_TOPIC_PREFIX,
      });
      await provisionTopics(kafka, options.topics, {
        partitions: env.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      });
      const runtime = new ServiceRuntime(options, db, kafka, releasers);
      await runtime.publisher.connect();
      releasers.add('kafka producer', () => runtime.publisher.disconnect());
      if (runtime.relay) {
        const relay = runtime.relay;
        await relay.start();
        // The final drain publishes what the last handled batches wrote, before the producer goes.
        releasers.add('outbox relay', () => relay.stop({ drain: true }));
      }
      return runtime;
    } catch (err) {
      await releasers.releaseAll();
      throw err;
    }
  }

  /** A consumer in this service's group (or a named sub-group). Started by the caller after registering handlers. */
  consumer(overrides: Partial<ConsumerOptions> = {}): EventConsumer {
    const group = overrides.groupId ?? `baton-${this.options.service}`;
    const sessionTimeoutMs = overrides.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    const consumer = new EventConsumer(this.kafka, {
      source: this.source,
      deadLetters: this.publisher,
      sessionTimeoutMs,
      heartbeatIntervalMs: Math.min(1_000, Math.floor(sessionTimeoutMs / 5)),
      reprovision: this.reprovision,
      stopTimeoutMs: PIECE_STOP_TIMEOUT_MS,
      ...overrides,
      // The topic prefix namespaces every group too, so environments sharing a cluster never
      // join each other's groups.
      groupId: `${this.options.env.KAFKA_TOPIC_PREFIX}${group}`,
    });
    this.consumers.push(consumer);
    this.releasers.add(`consumer ${group}`, () => consumer.stop());
    return consumer;
  }

  /** Dedupe for one consumer of this service. */
  processed(consumerName: string): ProcessedEvents {
    return new ProcessedEvents(consumerName, this.schema);
  }

  /** Runs work in one database transaction: state changes plus outbox rows commit together. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Publishes whatever is waiting in the outbox now (used by tests and tools). */
  async flushOutbox(): Promise<number> {
    return this.relay ? this.relay.drain() : 0;
  }

  /**
   * What /health/ready checks: the database answers, the broker answers, no consumer is crashed
   * or crash-looping (named, with its last error), the relay has not failed its last rounds, and
   * the outbox's oldest event is not older than the threshold.
   */
  readiness(): ReadinessProbe[] {
    const probes: ReadinessProbe[] = [
      {
        name: 'database',
        check: async () => {
          await withTimeout(this.db.query('SELECT 1'), 2000, 'database did not answer SELECT 1 in 2 s');
        },
      },
      {
        name: 'kafka',
        check: async () => {
          await withTimeout(
            this.clusterAdmin().then((admin) => admin.describeCluster()),
            3000,
            'kafka did not answer in 3 s',
          );
        },
      },
      {
        name: 'consumers',
        check: () => {
          const problems = this.consumers
            .map((c) => {
              const problem =
                c.problem() ?? (c.health().state === 'starting' ? 'joining its group' : undefined);
              return problem ? `${c.groupId}: ${problem}` : undefined;
            })
            .filter(Boolean);
          return problems.length > 0 ? Promise.reject(new Error(problems.join('; '))) : Promise.resolve();
        },
      },
    ];
    const relay = this.relay;
    if (relay) {
      const maxFailures = this.options.readyRelayFailures ?? 5;
      const maxAgeMs = this.options.readyOutboxAgeMs ?? 60_000;
      probes.push({
        name: 'outbox',
        check: async () => {
          const h = relay.health();
          if (h.consecutiveFailures >= maxFailures)
            throw new Error(
              `relay failed its last ${h.consecutiveFailures} rounds: ${h.lastError ?? 'unknown'}`,
            );
          const age = await relay.oldestPendingAgeMs();
          if (age !== null && age > maxAgeMs)
            throw new Error(`oldest event waits ${Math.round(age / 1000)} s (over ${maxAgeMs / 1000} s)`);
        },
      });
    }
    return probes;
  }

  /** Whether a consumer died for good (kafkajs does not restart it): liveness fails, the pod restarts. */
  deadConsumers(): string[] {
    return this.consumers
      .filter((c) => {
        const h = c.health();
        return h.state === 'crashed' && !h.restarting;
      })
      .map((c) => c.groupId);
  }

  /** One admin connection for readiness probes (they run every few seconds), opened on first use. */
  private clusterAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.client.admin();
      await admin.connect();
      this.releasers.add('kafka admin', () => admin.disconnect());
      return admin;
    })().catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
    return this.admin;
  }

  /** Stops what start() and consumer() started, last first: consumers, relay (after a final drain), producer, database. */
  async stop(): Promise<void> {
    if (!this.releasers.released) this.log.info('stopping: consumers, then outbox relay, then connections');
    await this.releasers.releaseAll();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
