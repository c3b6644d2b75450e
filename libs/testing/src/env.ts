import { randomBytes } from 'node:crypto';

/**
 * The shared service environment (same keys and types as BaseEnv in @baton/platform, which this
 * library must not import: the libraries it helps test depend on it).
 */
export interface TestEnv {
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_TOPIC_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
  DATABASE_URL: string;
  DATABASE_SCHEMA?: string;
  PORT: number;
  LOG_LEVEL: string;
  BATON_POLICY_DIR?: string;
}

/** The broker started by tools/infra.sh (or KAFKA_BROKERS). */
export const TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
/** The test database created by tools/infra.sh (or TEST_DATABASE_URL). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/baton_test';

/** A short unique name for a topic prefix, schema or consumer group. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`.toLowerCase();
}

/**
 * Set by the suite's global setup: names made by isolatedEnv carry it, so the suite can remove
 * the topics its tests created when it ends, and only those.
 */
export const TEST_RUN_ENV = 'BATON_TEST_RUN';

/** The part of an isolated name that marks the test run that made it (see isolatedEnv). */
export function runMarker(run: string): string {
  return `_r${run}_`;
}

/**
 * Environment for one isolated test: its own topic prefix (so topics are fresh) and its own
 * database schema, on the real broker and the real Postgres.
 */
export function isolatedEnv(name: string, overrides: Partial<TestEnv> = {}): TestEnv {
  const base = name.replace(/[^a-z0-9]/gi, '').slice(0, 20) || 't';
  const run = process.env[TEST_RUN_ENV];
  // `<name>_r<run>_<unique>`: uniqueName's separator closes the run marker.
  const id = uniqueName(run ? `${base}_r${run}` : base);
  return {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.split(','),
    KAFKA_TOPIC_PREFIX: `${id}.`,
    KAFKA_TOPIC_PARTITIONS: 3,
    KAFKA_REPLICATION_FACTOR: 1,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: id,
    PORT: 0,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...overrides,
  };
}
