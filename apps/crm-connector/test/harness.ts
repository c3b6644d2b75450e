import { CONNECTOR_POLICY_DIR } from '../src/connector.js';
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { TopicName } from '@baton/domain';
import { JsonLogger } from '@baton/observability';
import { ServiceRuntime } from '@baton/platform';
import { dropSchema, isolatedEnv, kafkaFor, readTopic, type SeenMessage } from '@baton/testing';
import { AppModule } from '../src/app.module.js';
import { loadConnectorEnv, type ConnectorEnv } from '../src/config/env.js';
import {
  CONNECTOR_RELAY_BATCH,
  CONNECTOR_SERVICE,
  CONNECTOR_TOPICS,
  Connector,
  type ConnectorOptions,
} from '../src/connector.js';
import { loadConnectorPolicy } from '../src/policy/policy.js';
import { CONNECTOR_MIGRATIONS } from '../src/store/connector.migration.js';

export const POLICY_DIR = fileURLToPath(new URL('../config/policy', import.meta.url));

export interface RunningConnector {
  env: ConnectorEnv;
  runtime: ServiceRuntime;
  connector: Connector;
  app: INestApplication;
  url: string;
  stop(): Promise<void>;
}

/** Environment for one isolated connector (own topics and schema on the real broker and Postgres). */
export function connectorEnv(name: string, vars: Record<string, string>): ConnectorEnv {
  const base = isolatedEnv(name);
  return loadConnectorEnv({
    KAFKA_BROKERS: base.KAFKA_BROKERS.join(','),
    KAFKA_TOPIC_PREFIX: base.KAFKA_TOPIC_PREFIX,
    KAFKA_TOPIC_PARTITIONS: String(base.KAFKA_TOPIC_PARTITIONS),
    DATABASE_URL: base.DATABASE_URL,
    DATABASE_SCHEMA: base.DATABASE_SCHEMA!,
    LOG_LEVEL: base.LOG_LEVEL,
    BATON_POLICY_DIR: POLICY_DIR,
    PORT: '0',
    CRM_CONNECTOR_CONSUMER_GROUP: `${base.KAFKA_TOPIC_PREFIX}baton-crm-connector`,
    ...vars,
  });
}

/** Boots the real Nest application of the connector on a free port, like main.ts does. */
export async function startConnector(
  env: ConnectorEnv,
  options: ConnectorOptions = {},
): Promise<RunningConnector> {
  const policy = loadConnectorPolicy(env.BATON_POLICY_DIR ?? CONNECTOR_POLICY_DIR, env.CRM_PROVIDER);
  const runtime = await startRuntime(env);
  const connector = new Connector(runtime, env, policy, { consumerSessionTimeoutMs: 10_000, ...options });
  const app = await NestFactory.create(AppModule.forRuntime(runtime, connector), {
    bodyParser: false,
    logger: new JsonLogger('test-app'),
  });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  let stopped = false;
  return {
    env,
    runtime,
    connector,
    app,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
  };
}

/**
 * The shared test broker sometimes answers a metadata request for a topic created a moment
 * ago with UNKNOWN_TOPIC_OR_PARTITION while suites run side by side; starting again is safe
 * (migrations and topic creation are idempotent).
 */
async function startRuntime(env: ConnectorEnv): Promise<ServiceRuntime> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ServiceRuntime.start({
        service: CONNECTOR_SERVICE,
        env,
        topics: CONNECTOR_TOPICS,
        migrations: CONNECTOR_MIGRATIONS,
        relayBatchSize: CONNECTOR_RELAY_BATCH,
      });
    } catch (err) {
      if (attempt >= 3 || (err as Error).name !== 'KafkaJSProtocolError') throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

export async function cleanup(env: ConnectorEnv): Promise<void> {
  await dropSchema(env.DATABASE_SCHEMA!);
}

/** Stops the connector, then the CRM fake, then drops the connector's schema (even if it never came up). */
export async function tearDown(
  running: RunningConnector | undefined,
  crm: { close(): Promise<void> } | undefined,
  env = running?.env,
): Promise<void> {
  await running?.stop();
  await crm?.close();
  if (env) await cleanup(env);
}

/** Reads domain events of a topic independently of the connector. */
export async function domainEvents<T = Record<string, unknown>>(
  env: ConnectorEnv,
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
  env: ConnectorEnv,
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
