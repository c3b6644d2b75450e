import { randomBytes } from 'node:crypto';
import { BaseEnvSchema, loadEnv, type BaseEnv } from '@baton/platform';

/** The broker started by tools/infra.sh (or KAFKA_BROKERS). */
export const TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
/** The test database created by tools/infra.sh (or TEST_DATABASE_URL). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/baton_test';

/** A short unique name for a topic prefix, schema or consumer group. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`.toLowerCase();
}

/**
 * Environment for one isolated test: its own topic prefix (so topics are fresh) and its own
 * database schema, on the real broker and the real Postgres.
 */
export function isolatedEnv(name: string, overrides: Record<string, string> = {}): BaseEnv {
  const id = uniqueName(name.replace(/[^a-z0-9]/gi, '').slice(0, 20) || 't');
  return loadEnv(BaseEnvSchema, {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: `${id}.`,
    KAFKA_TOPIC_PARTITIONS: '3',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: id,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...overrides,
  });
}
