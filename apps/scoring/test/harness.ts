import {
  Topics,
  type EventOf,
  type LeadActivity,
  type LeadDisqualified,
  type LeadEngagement,
  type LeadProfile,
  type NewEvent,
  type TopicName,
} from '@baton/domain';
import { EventPublisher, createKafka } from '@baton/kafka';
import { loadEnv } from '@baton/platform';
import { dropSchema, isolatedEnv, kafkaFor, waitFor, type TestEnv, type TestKafka } from '@baton/testing';
import { SCORING_TOPICS } from '../src/scoring-service.js';
import { ScoringEnvSchema, type ScoringEnv } from '../src/config/scoring-env.js';

/** A scoring environment on the real broker and Postgres, isolated by topic prefix, schema and group. */
export function scoringEnv(
  name: string,
  overrides: Record<string, string> = {},
  base: TestEnv = isolatedEnv(name),
): ScoringEnv {
  return loadEnv(ScoringEnvSchema, {
    ...toEnvStrings(base),
    SCORING_CONSUMER_GROUP: `baton-scoring-${base.DATABASE_SCHEMA}`,
    ...overrides,
  });
}

export function toEnvStrings(env: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : String(v);
  return out;
}

export interface Upstream {
  kafka: TestKafka;
  publisher: EventPublisher;
  engagements(list: LeadEngagement[], id?: (e: LeadEngagement) => string): Promise<void>;
  profiles(list: LeadProfile[]): Promise<void>;
  disqualified(d: LeadDisqualified): Promise<void>;
  activities(list: LeadActivity[]): Promise<void>;
  close(): Promise<void>;
}

/** Plays crm-connector: publishes inbound events with a plain publisher. */
export async function upstream(env: ScoringEnv): Promise<Upstream> {
  const kafka = kafkaFor(env, 'baton-test-reader');
  const connection = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test-upstream',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  const publisher = new EventPublisher(connection, 'baton/crm-connector');
  await publisher.connect();
  await topicsReady(kafka, SCORING_TOPICS);
  // Event ids are fixed, so a retried send can only repeat what the service dedupes anyway.
  const publishRetrying = async (chunk: NewEvent<TopicName>[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await publisher.publish(chunk);
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };
  const send = async <T extends TopicName>(events: NewEvent<T>[]) => {
    for (let i = 0; i < events.length; i += 1000)
      await publishRetrying(events.slice(i, i + 1000) as NewEvent<TopicName>[]);
  };
  return {
    kafka,
    publisher,
    engagements: (list, id = (e) => `eng:${e.sourceEventId}`) =>
      send(
        list.map((e) => ({
          topic: Topics.LeadEngagement,
          subject: e.leadId,
          id: id(e),
          data: e as EventOf<typeof Topics.LeadEngagement>,
        })),
      ),
    profiles: (list) =>
      send(
        list.map((p) => ({
          topic: Topics.LeadProfile,
          subject: p.leadId,
          id: `profile:${p.leadId}:${p.occurredAt}`,
          data: p,
        })),
      ),
    disqualified: (d) =>
      send([{ topic: Topics.LeadDisqualified, subject: d.leadId, id: `dq:${d.sourceEventId}`, data: d }]),
    activities: (list) =>
      send(
        list.map((a) => ({
          topic: Topics.LeadActivity,
          subject: a.leadId,
          id: `act:${a.sourceEventId}`,
          data: a,
        })),
      ),
    close: () => publisher.disconnect(),
  };
}

/**
 * Waits until the broker serves every partition of the topics to clients: right after creation,
 * a loaded single broker can still answer "does not host this topic-partition" for a moment.
 */
async function topicsReady(kafka: TestKafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        try {
          const { topics: meta } = await admin.fetchTopicMetadata({
            topics: topics.map((t) => kafka.physical(t)),
          });
          return meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        } catch {
          return false;
        }
      },
      30_000,
      'topic leaders',
    );
  } finally {
    await admin.disconnect();
  }
}

export async function cleanup(env: ScoringEnv): Promise<void> {
  if (env.DATABASE_SCHEMA) await dropSchema(env.DATABASE_SCHEMA);
}
