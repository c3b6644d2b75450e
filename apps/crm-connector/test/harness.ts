import type { TopicName } from '@baton/domain';
import { startTestService, type TestService } from '@baton/service-testing';
import { dropSchema, isolatedEnv, kafkaFor, readTopic, type SeenMessage, type TestEnv } from '@baton/testing';
import type { ConnectorEnv } from '../src/config/env.js';
import { CONNECTOR_TUNING, DEFAULT_TUNING, type ConnectorTuning } from '../src/config/tuning.js';
import { crmConnectorService } from '../src/crm-connector.service.js';

/** One isolated connector's environment (own topics and schema on the real broker and Postgres) and its variables. */
export type ConnectorTestEnv = TestEnv & Record<string, unknown>;

export function connectorEnv(name: string, vars: Record<string, string>): ConnectorTestEnv {
  return { ...isolatedEnv(name), ...vars };
}

export interface ConnectorOptions {
  /** Start the crm.command.v1 consumer (default true). */
  consume?: boolean;
  /** Over the tests' tuning (the CRM set-up checked again every 500 ms). */
  tuning?: Partial<ConnectorTuning>;
  /** The commands consumer's retries (tests lower the delays). */
  commandRetry?: { attempts: number; initialDelayMs: number; maxDelayMs: number };
}

export type RunningConnector = TestService<ConnectorEnv>;

/** The connector as main.ts starts it, through the kit, on `env`. */
export function startConnector(
  env: ConnectorTestEnv,
  opts: ConnectorOptions = {},
): Promise<RunningConnector> {
  const retry = opts.commandRetry;
  const definition = retry
    ? {
        ...crmConnectorService,
        consumer: {
          ...crmConnectorService.consumer,
          retryAttempts: retry.attempts,
          retryInitialDelayMs: retry.initialDelayMs,
          retryMaxDelayMs: retry.maxDelayMs,
        },
      }
    : crmConnectorService;
  return startTestService(definition, {
    base: env,
    consume: opts.consume,
    providers: [
      { provide: CONNECTOR_TUNING, useValue: { ...DEFAULT_TUNING, setupRecheckMs: 500, ...opts.tuning } },
    ],
  });
}

export async function cleanup(env: { DATABASE_SCHEMA?: string }): Promise<void> {
  await dropSchema(env.DATABASE_SCHEMA!);
}

/** Stops the connector, then the CRM fake, then drops the connector's schema (even if it never came up). */
export async function tearDown(
  running: RunningConnector | undefined,
  crm: { close(): Promise<void> } | undefined,
  env: { DATABASE_SCHEMA?: string } | undefined = running?.env,
): Promise<void> {
  await running?.stop();
  await crm?.close();
  if (env) await cleanup(env);
}

/** Reads domain events of a topic independently of the connector. */
export async function domainEvents<T = Record<string, unknown>>(
  env: TestEnv,
  topic: TopicName,
  until: (events: { id: string; subject: string; data: T }[]) => boolean,
  timeoutMs = 45_000,
): Promise<{ id: string; subject: string; data: T }[]> {
  const kafka = kafkaFor({ ...env });
  const toEvents = (seen: SeenMessage[]) =>
    seen.map((m) => m.json<{ id: string; subject: string; data: T }>());
  const seen = await readTopic(kafka, topic, { until: (s) => until(toEvents(s)), timeoutMs });
  return toEvents(seen);
}

/** Waits a little and checks nothing more arrived (for "must not be emitted" assertions). */
export async function settle(ms = 1500): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Every event on a topic right now (up to the high watermarks), read independently of the connector. */
export async function allEvents<T = Record<string, unknown>>(
  env: TestEnv,
  topic: TopicName,
): Promise<{ id: string; subject: string; data: T }[]> {
  const kafka = kafkaFor({ ...env });
  const admin = kafka.client.admin();
  await admin.connect();
  let total = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(kafka.physical(topic)))
      total += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  if (total === 0) return [];
  return domainEvents<T>(env, topic, (e) => e.length >= total);
}

/** /health/ready as a probe sees it: its status and each check's verdict. */
export async function readiness(
  running: RunningConnector,
): Promise<{ status: number; checks: Record<string, string> }> {
  const res = await fetch(`${running.url}/health/ready`);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, string> }).checks };
}
