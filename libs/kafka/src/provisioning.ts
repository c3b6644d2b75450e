// kafkajs is CommonJS: Node's ESM loader does not see this name as a named export.
import kafkajs from 'kafkajs';

const { ConfigResourceTypes } = kafkajs;
import type { KafkaConnection } from './client.js';
import { deadLetterTopic } from '@baton/domain';
import { JsonLogger, counter } from '@baton/observability';

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
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({
          topic,
          numPartitions: settings.partitions,
          replicationFactor: settings.replicationFactor,
        })),
      });
    } catch (err) {
      // A loaded broker can answer "does not host this topic-partition" while its metadata
      // catches up with the topics it has just created: wait for their leaders instead.
      if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
      for (let attempt = 1; ; attempt++) {
        await new Promise((r) => setTimeout(r, 200 * attempt));
        const meta = await admin.fetchTopicMetadata({ topics: wanted }).catch(() => undefined);
        if (meta?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
          break;
        if (attempt >= 10) throw err;
      }
    }
    log.info('topics created', { topics: wanted });
    return wanted;
  } finally {
    await admin.disconnect();
  }
}

const reprovisioned = counter(
  'baton_kafka_topics_reprovisioned_total',
  'Topics found missing and created again while the service ran (e.g. a broker wiped under it)',
);

export interface Reprovisioner {
  /** Creates whichever of the topics (and their DLQs) are missing; concurrent calls share one run. */
  (): Promise<void>;
}

/**
 * For consumers and the outbox relay (their `reprovision` option): when they find their topics
 * gone (a broker wiped and re-created under running services), they call this, and carry on
 * once it resolved. The same topics and settings as at start-up; one run at a time, shared by
 * every caller, and at most one every `minIntervalMs` (a crash-looping consumer calls it on every
 * crash).
 */
export function topicReprovisioner(
  kafka: KafkaConnection,
  topics: readonly string[],
  settings: TopicSettings,
  opts: { minIntervalMs?: number } = {},
): Reprovisioner {
  const minIntervalMs = opts.minIntervalMs ?? 1_000;
  let running: Promise<void> | undefined;
  let lastDoneAt = 0;
  return () => {
    if (running) return running;
    if (Date.now() - lastDoneAt < minIntervalMs) return Promise.resolve();
    running = (async () => {
      try {
        const created = await provisionTopics(kafka, topics, settings);
        if (created.length > 0) {
          reprovisioned.inc(created.length);
          log.warn('topics were missing and are created again', { topics: created });
        }
      } finally {
        lastDoneAt = Date.now();
        running = undefined;
      }
    })();
    return running;
  };
}

/**
 * A topic's `max.message.bytes` as the broker applies it (the topic's own setting, else the
 * broker's `message.max.bytes`); undefined if the broker cannot say.
 */
export async function topicMaxMessageBytes(
  kafka: KafkaConnection,
  topic: string,
): Promise<number | undefined> {
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: kafka.physical(topic), configNames: ['max.message.bytes'] },
      ],
      includeSynonyms: false,
    });
    const value = resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
    const n = Number(value);
    return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
  } finally {
    await admin.disconnect();
  }
}
