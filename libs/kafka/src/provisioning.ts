import type { KafkaConnection } from './client.js';
import { deadLetterTopic } from '@baton/domain';
import { JsonLogger } from '@baton/observability';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
}

const log = new JsonLogger('kafka.provisioning');

/**
 * Creates each topic and its `<topic>.dlq` when missing. Existing topics are left as they
 * are (partition counts are never changed behind an operator's back).
 */
export async function provisionTopics(
  kafka: KafkaConnection,
  topics: readonly string[],
  settings: TopicSettings,
): Promise<string[]> {
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      ...new Set(topics.flatMap((t) => [t, deadLetterTopic(t)]).map((t) => kafka.physical(t))),
    ].filter((t) => !existing.has(t));
    if (wanted.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
      })),
    });
    log.info('topics created', { topics: wanted });
    return wanted;
  } finally {
    await admin.disconnect();
  }
}
