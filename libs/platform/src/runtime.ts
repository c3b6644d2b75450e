import type { Admin } from 'kafkajs';
import type { DataSource, EntityManager, MigrationInterface } from 'typeorm';
import type { TopicName } from '@baton/domain';
import {
  EventConsumer,
  EventPublisher,
  createKafka,
  provisionTopics,
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
}

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
    this.publisher = new EventPublisher(kafka, this.source);
    if (options.relay !== false) {
      this.relay = new OutboxRelay(this.publisher, {
        url: options.env.DATABASE_URL,
        schema: this.schema,
        batchSize: options.relayBatchSize,
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
        releasers.add('outbox relay', async () => {
          await relay
            .drain()
            .catch((err) => runtime.log.error('final outbox drain failed', { error: err as Error }));
          await relay.stop();
        });
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

  readiness(): ReadinessProbe[] {
    return [
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
          const down = this.consumers.filter((c) => !c.isRunning).length;
          if (down > 0) throw new Error(`${down} consumer(s) not running`);
        },
      },
    ];
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
