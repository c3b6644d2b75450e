import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { topicsOf } from '@baton/domain';
import { createKafka, EventPublisher, type KafkaConnection } from '@baton/kafka';
import { CLOCK, type Clock } from '@baton/platform';
import { startTestService, testEnvOf, waitForTopics, type TestService } from '@baton/service-testing';
import { waitFor, type TestEnv } from '@baton/testing';
import { AssignmentService } from '../src/assignment/assignment.service.js';
import type { RoutingPolicy } from '../src/policy/policy.js';
import { routingService } from '../src/routing.service.js';

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

/**
 * Keeps a schema's outbox unpublished: holds the advisory lock its relays take for a round (as
 * another relay would), so every relay on the schema skips its rounds until released.
 */
export async function holdOutbox(env: TestEnv): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [`baton.outbox.${env.DATABASE_SCHEMA}`]);
  let released: Promise<void> | undefined;
  return () => (released ??= client.end());
}

export interface RoutingInstance extends TestService {
  service: AssignmentService;
}

/** One routing replica on the real broker and Postgres, started by the kit exactly as main.ts starts it. */
export async function startRouting(
  env: TestEnv,
  policy: RoutingPolicy,
  clock: Clock,
  opts: {
    consume?: boolean;
    /** false: what it decides stays in the outbox while it runs. */
    relay?: boolean;
    maxBatch?: number;
    concurrency?: number;
    /** Environment variables as the process would get them. */
    env?: Record<string, string | undefined>;
  } = {},
): Promise<RoutingInstance> {
  const release = opts.relay === false ? await holdOutbox(env) : undefined;
  const routing = await startTestService(routingService, {
    base: env,
    policy,
    providers: [{ provide: CLOCK, useValue: clock }],
    consume: opts.consume,
    env: {
      ROUTING_CONSUMER_BATCH: opts.maxBatch?.toString(),
      ROUTING_CONSUMER_CONCURRENCY: opts.concurrency?.toString(),
      ...opts.env,
    },
  }).catch(async (err: unknown) => {
    await release?.();
    throw err;
  });
  await waitForTopics(routing.runtime.kafka, topicsOf(routingService.name));
  return {
    ...routing,
    service: routing.get(AssignmentService),
    stop: async () => {
      await routing.stop();
      await release?.();
    },
  };
}

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface RoutingProcess {
  child: ChildProcess;
  /** Resolves once /health/ready answers 200 (every consumer started); rejects if it exits first. */
  ready: Promise<void>;
}

/** routing's real main.ts in its own process, with the test environment and the API token. */
export function spawnRouting(env: TestEnv, vars: Record<string, string> = {}): RoutingProcess {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', MAIN], {
    env: { ...process.env, ...testEnvOf(env, { LOG_LEVEL: 'info', ...vars }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`routing exited early (${code})`))),
  );
  exited.catch(() => undefined);
  const ready = (async () => {
    const port = await waitFor(
      async () => /"msg":"listening"[^\n]*"port":(\d+)/.exec(out)?.[1],
      60_000,
      'routing listening',
    );
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => r.status === 200,
          () => false,
        ),
      60_000,
      'routing ready',
    );
  })();
  return { child, ready: Promise.race([ready, exited]) };
}
