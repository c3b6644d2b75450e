import {
  Topics,
  topicsOf,
  type EventOf,
  type LeadActivity,
  type LeadDisqualified,
  type LeadEngagement,
  type LeadProfile,
  type NewEvent,
  type TopicName,
} from '@baton/domain';
import { EventPublisher, createKafka, type EventConsumer } from '@baton/kafka';
import { CLOCK, type Clock } from '@baton/platform';
import { startTestService, waitForTopics, type TestService } from '@baton/service-testing';
import { dropSchema, isolatedEnv, kafkaFor, type TestEnv, type TestKafka } from '@baton/testing';
import type { ScoringEnv } from '../src/config/env.js';
import { ScoringEngine } from '../src/scoring/scoring-engine.js';
import { scoringService } from '../src/scoring.service.js';

/**
 * A scoring environment on the real broker and Postgres, isolated by topic prefix, schema and
 * group (every key is a setting the service gets).
 */
export type ScoringTestEnv = TestEnv & { SCORING_CONSUMER_GROUP: string };

export function scoringEnv(name: string): ScoringTestEnv {
  const base = isolatedEnv(name);
  return { ...base, SCORING_CONSUMER_GROUP: `baton-scoring-${base.DATABASE_SCHEMA}` };
}

export interface ScoringTestService extends TestService<ScoringEnv> {
  engine: ScoringEngine;
  /** The service's consumer, once it consumes. */
  readonly consumer: EventConsumer;
}

/** The scoring service as main starts it, on `env`, with the bundled policy; `clock` replaces CLOCK. */
export async function startScoring(
  env: ScoringTestEnv,
  opts: { clock?: Clock; consume?: boolean } = {},
): Promise<ScoringTestService> {
  const service = await startTestService(scoringService, {
    base: env,
    consume: opts.consume,
    providers: opts.clock ? [{ provide: CLOCK, useValue: opts.clock }] : [],
  });
  return {
    ...service,
    engine: service.get(ScoringEngine),
    get consumer() {
      const consumer = service.transport?.eventConsumer;
      if (!consumer) throw new Error('the scoring service was started with consume: false');
      return consumer;
    },
  };
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
export async function upstream(env: ScoringTestEnv): Promise<Upstream> {
  const kafka = kafkaFor(env, 'baton-test-reader');
  const connection = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test-upstream',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  const publisher = new EventPublisher(connection, 'baton/crm-connector');
  await publisher.connect();
  await waitForTopics(connection, topicsOf(scoringService.name));
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

export async function cleanup(env: ScoringTestEnv): Promise<void> {
  if (env.DATABASE_SCHEMA) await dropSchema(env.DATABASE_SCHEMA);
}
