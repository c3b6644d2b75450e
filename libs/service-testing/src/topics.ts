import type { TopicName } from '@baton/domain';
import type { KafkaConnection } from '@baton/kafka';

/**
 * Retries a test's own broker call while the broker answers with a retriable error (metadata of
 * fresh topics settling on a busy shared broker); the code under test is never retried.
 */
export async function withKafkaRetry<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const e = err as { retriable?: boolean; name?: string };
      if (attempt >= attempts || (e.retriable !== true && e.name !== 'KafkaJSProtocolError')) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

/** Waits until the topics show in the broker's metadata (before a test publishes to them). */
export async function waitForTopics(kafka: KafkaConnection, topics: readonly TopicName[]): Promise<void> {
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    await withKafkaRetry(() => admin.fetchTopicMetadata({ topics: topics.map((t) => kafka.physical(t)) }), 8);
  } finally {
    await admin.disconnect();
  }
}
