import { performance } from 'node:perf_hooks';
import { uniqueName, type TestEnv } from './env.js';
import { kafkaFor } from './kafka.js';

export interface KafkaFloor {
  /** acks=all, idempotent producer, batches of 1,000 (msg/s). */
  produce: number;
  /** A plain consumer group reading them back with a no-op eachBatch (msg/s). */
  consume: number;
}

/**
 * The raw kafkajs floor of a benchmark run: the same messages produced and consumed with nothing
 * of Baton in between, on a fresh topic of the env's broker. Benchmarks print it beside their own
 * figures, from the same run, because the shared machine's speed drifts.
 */
export async function rawKafkaFloor(
  env: TestEnv,
  messages: readonly { key: string; value: string }[],
): Promise<KafkaFloor> {
  const kafka = kafkaFor(env, 'bench-raw');
  const topic = kafka.physical(uniqueName('bench.raw'));
  const admin = kafka.client.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: env.KAFKA_TOPIC_PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i += 1000)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1000) });
  const produce = messages.length / ((performance.now() - t0) / 1000);
  await producer.disconnect();
  const consumer = kafka.client.consumer({ groupId: uniqueName('bench-raw'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  const consume = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        seen += batch.messages.length;
        if (seen >= messages.length) resolve(messages.length / ((performance.now() - first) / 1000));
        await Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return { produce, consume };
}
