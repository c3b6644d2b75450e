import { createKafka, EventPublisher, type KafkaConnection } from '@baton/kafka';
import { BaseEnvSchema, ServiceRuntime, loadEnv, type BaseEnv, type Clock } from '@baton/platform';
import type { TestEnv } from '@baton/testing';
import { AssignmentService } from '../src/assignment/assignment.service.js';
import { RoutingTables1763900000000 } from '../src/database/routing.migration.js';
import type { RoutingPolicy } from '../src/policy/policy.js';
import { seedRoster } from '../src/roster/roster.store.js';
import { routingConsumer } from '../src/routing.consumers.js';
import { ROUTING_TOPICS } from '../src/routing.topics.js';

/** On a busy shared broker, fresh topics can take a moment to show in metadata; subscribing before that fails. */
export async function topicsVisible(runtime: ServiceRuntime): Promise<void> {
  const admin = runtime.kafka.client.admin();
  await admin.connect();
  try {
    await withKafkaRetry(
      () => admin.fetchTopicMetadata({ topics: ROUTING_TOPICS.map((t) => runtime.kafka.physical(t)) }),
      8,
    );
  } finally {
    await admin.disconnect();
  }
}

/** The test environment, validated as the service validates its own. */
export function serviceEnv(env: TestEnv): BaseEnv {
  return loadEnv(BaseEnvSchema, {
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(','),
    KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX,
    KAFKA_TOPIC_PARTITIONS: String(env.KAFKA_TOPIC_PARTITIONS),
    KAFKA_REPLICATION_FACTOR: String(env.KAFKA_REPLICATION_FACTOR),
    DATABASE_URL: env.DATABASE_URL,
    DATABASE_SCHEMA: env.DATABASE_SCHEMA,
    PORT: String(env.PORT),
    LOG_LEVEL: env.LOG_LEVEL,
  });
}

/**
 * Consumer groups are not namespaced by the topic prefix, so suites running side by side would
 * share `baton-routing` and rebalance each other; each test environment gets its own group.
 */
export function testGroupOf(env: TestEnv): string {
  return `baton-routing-${env.KAFKA_TOPIC_PREFIX.replace(/\.$/, '')}`;
}

/** An upstream producer (scoring, sla) on the test's topics. */
export async function upstreamPublisher(
  env: TestEnv,
  source: string,
): Promise<{ kafka: KafkaConnection; publisher: EventPublisher }> {
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: `test-${source}`,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  const publisher = new EventPublisher(kafka, `baton/${source}`);
  await publisher.connect();
  return { kafka, publisher };
}

export interface RoutingInstance {
  runtime: ServiceRuntime;
  service: AssignmentService;
  stop(): Promise<void>;
}

/** One routing replica on the real broker and Postgres, wired exactly as main.ts wires it (minus HTTP). */
export async function startRouting(
  env: TestEnv,
  policy: RoutingPolicy,
  clock: Clock,
  opts: {
    consume?: boolean;
    relay?: boolean;
    maxBatch?: number;
    concurrency?: number;
    sessionTimeoutMs?: number;
  } = {},
): Promise<RoutingInstance> {
  const runtime = await ServiceRuntime.start({
    service: 'routing',
    env: serviceEnv(env),
    topics: ROUTING_TOPICS,
    migrations: [RoutingTables1763900000000],
    relay: opts.relay,
  });
  await runtime.transaction((em) => seedRoster(em, policy));
  await topicsVisible(runtime);
  const service = new AssignmentService(runtime, policy, clock);
  if (opts.consume !== false) {
    await routingConsumer(
      runtime,
      service,
      { maxBatch: opts.maxBatch ?? 500, concurrency: opts.concurrency ?? 1 },
      {
        groupId: testGroupOf(env),
        sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000,
        heartbeatIntervalMs: 500,
      },
    ).start();
  }
  return { runtime, service, stop: () => runtime.stop() };
}

/**
 * Retries a test's own broker call when the broker answers with a retriable error right after
 * topics were created (metadata settling on a busy shared broker); the code under test is not retried.
 */
export async function withKafkaRetry<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}
