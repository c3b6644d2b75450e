import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { deadLetterTopic, type TopicName } from '@baton/domain';
import { uniqueName, type TestEnv } from './env.js';

/** The part of @baton/kafka's KafkaConnection the test helpers use (structurally compatible). */
export interface TestKafka {
  readonly client: Kafka;
  physical(topic: string): string;
}

function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined || v === null) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

export interface SeenMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string | undefined>;
  json<T = unknown>(): T;
}

/** A plain kafkajs client on the env's broker, with the env's topic prefix. */
export function kafkaFor(env: TestEnv, clientId = 'baton-test'): TestKafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const client = new Kafka({ clientId, brokers: env.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  return { client, physical: (topic) => `${env.KAFKA_TOPIC_PREFIX}${topic}` };
}

/**
 * Reads a topic (or its DLQ) from the beginning with a plain kafkajs consumer, independent
 * of the code under test, until `until` is satisfied or the timeout passes.
 */
export async function readTopic(
  kafka: TestKafka,
  topic: TopicName | string,
  opts: { until: (seen: SeenMessage[]) => boolean; timeoutMs?: number; dlq?: boolean },
): Promise<SeenMessage[]> {
  const name = kafka.physical(opts.dlq ? deadLetterTopic(topic) : topic);
  const consumer = kafka.client.consumer({
    groupId: uniqueName('reader'),
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  const seen: SeenMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: name, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out reading ${name}: saw ${seen.length} message(s)`)),
        opts.timeoutMs ?? 30_000,
      );
      if (opts.until(seen)) {
        clearTimeout(timer);
        resolve();
        return;
      }
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const headers: Record<string, string | undefined> = {};
          for (const k of Object.keys(message.headers ?? {})) headers[k] = headerString(message.headers, k);
          const value = message.value?.toString('utf8') ?? null;
          seen.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            value,
            headers,
            json: <T>() => JSON.parse(value ?? 'null') as T,
          });
          if (opts.until(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
