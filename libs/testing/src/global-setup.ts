import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_RUN_ENV, runMarker } from './env.js';

/**
 * Runs once before the suite: checks that the real broker and the real database answer,
 * and prints what the integration tests run against. Returns the teardown, which deletes the
 * topics this run's tests created (a broker kept running between runs would otherwise
 * accumulate thousands of partitions, and slow down).
 */
export default async function setup(): Promise<() => Promise<void>> {
  // Test workers are started after this and inherit it.
  const run = randomBytes(3).toString('hex');
  process.env[TEST_RUN_ENV] = run;
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
  return () => deleteRunTopics(kafka, run);
}

async function deleteRunTopics(kafka: Kafka, run: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.includes(runMarker(run)));
    for (let i = 0; i < mine.length; i += 100) {
      await admin.deleteTopics({ topics: mine.slice(i, i + 100), timeout: 30_000 });
    }
    console.log(`[integration] deleted the ${mine.length} topics this run created`);
  } catch (err) {
    console.warn(`[integration] could not delete this run's topics: ${(err as Error).message}`);
  } finally {
    await admin.disconnect();
  }
}
