import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from './env.js';

/**
 * Runs once before the suite: checks that the real broker and the real database answer,
 * and prints what the integration tests run against.
 */
export default async function setup(): Promise<void> {
  const port = TEST_KAFKA_BROKERS.split(',')[0].split(':')[1];
  const versionFile = join(
    process.env.BATON_CACHE ?? join(homedir(), '.cache', 'baton'),
    `kafka-run-${port}`,
    'version',
  );
  const version = existsSync(versionFile)
    ? readFileSync(versionFile, 'utf8').trim()
    : 'unknown (not started by tools/infra.sh)';
  const kafka = new Kafka({
    brokers: TEST_KAFKA_BROKERS.split(','),
    clientId: 'baton-test-setup',
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    await client.end();
    console.log(
      `[integration] Apache Kafka ${version} (KRaft, ${cluster.brokers.length} broker) at ${TEST_KAFKA_BROKERS}; kafkajs 2.2.4; PostgreSQL ${rows[0].server_version}`,
    );
  } catch (err) {
    throw new Error(
      `the test infrastructure is not up (${(err as Error).message}); run \`npm run infra:up\` or \`npm test\`, which starts it`,
    );
  }
}
