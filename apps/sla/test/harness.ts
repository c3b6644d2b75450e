import {
  Topics,
  topicsOf,
  type CloudEvent,
  type EventOf,
  type LeadActivity,
  type LeadAssigned,
  type RepAction,
  type TopicName,
} from '@baton/domain';
import { createKafka, EventPublisher, type KafkaConnection } from '@baton/kafka';
import { CLOCK, type Clock } from '@baton/platform';
import { startTestService, waitForTopics, withKafkaRetry, type TestService } from '@baton/service-testing';
import { kafkaFor, readTopic, type TestEnv } from '@baton/testing';
import { FiringLoop } from '../src/deadlines/firing.loop.js';
import type { LoadedPolicy } from '@baton/platform';
import type { SlaPolicy } from '../src/policy/policy.js';
import { slaService } from '../src/sla.service.js';

export interface SlaInstance extends TestService {
  loop: FiringLoop;
}

/** One sla replica on the real broker and Postgres, as main.ts starts it, with the test's clock. */
export async function startSla(
  env: TestEnv,
  clock: Clock,
  opts: {
    policy?: LoadedPolicy<SlaPolicy>;
    env?: Record<string, string | undefined>;
    consume?: boolean;
  } = {},
): Promise<SlaInstance> {
  const sla = await startTestService(slaService, {
    base: env,
    policy: opts.policy,
    consume: opts.consume,
    providers: [{ provide: CLOCK, useValue: clock }],
    // The manual clock does not tick: the loop looks at it often.
    env: { SLA_FIRING_IDLE_MS: '100', ...opts.env },
  });
  await waitForTopics(sla.runtime.kafka, topicsOf(slaService.name));
  return { ...sla, loop: sla.get(FiringLoop) };
}

/** Producers standing in for routing, crm-connector and notification on the test's topics. */
export async function upstream(env: TestEnv) {
  const kafka: KafkaConnection = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'sla-upstream',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  const publishers = new Map<string, EventPublisher>();
  const publisherOf = async (source: string) => {
    let p = publishers.get(source);
    if (!p) {
      p = new EventPublisher(kafka, `baton/${source}`);
      await p.connect();
      publishers.set(source, p);
    }
    return p;
  };
  const send = async <T extends TopicName>(
    source: string,
    topic: T,
    items: { id: string; data: EventOf<T> }[],
  ) => {
    const p = await publisherOf(source);
    for (let i = 0; i < items.length; i += 1000)
      await withKafkaRetry(() =>
        p.publish(
          items.slice(i, i + 1000).map((e) => ({
            topic,
            id: e.id,
            subject: (e.data as { leadId: string }).leadId,
            data: e.data,
          })),
        ),
      );
  };
  return {
    assigned: (items: LeadAssigned[]) =>
      send(
        'routing',
        Topics.LeadAssigned,
        items.map((data) => ({ id: `${data.assignmentId}:assigned`, data })),
      ),
    activity: (items: LeadActivity[]) =>
      send(
        'crm-connector',
        Topics.LeadActivity,
        items.map((data) => ({ id: `${data.leadId}/activity/${data.sourceEventId}`, data })),
      ),
    repAction: (items: RepAction[]) =>
      send(
        'notification',
        Topics.RepAction,
        items.map((data) => ({ id: data.actionId, data })),
      ),
    receipt: (items: EventOf<typeof Topics.NotificationSent>[]) =>
      send(
        'notification',
        Topics.NotificationSent,
        items.map((data) => ({ id: data.notificationId, data })),
      ),
    stop: async () => {
      for (const p of publishers.values()) await p.disconnect();
    },
  };
}

/** Every event of a topic, read from the beginning by a plain consumer, until `until` holds. */
export async function eventsOn<T extends TopicName>(
  env: TestEnv,
  topic: T,
  until: (events: CloudEvent<EventOf<T>>[]) => boolean,
  timeoutMs = 60_000,
): Promise<CloudEvent<EventOf<T>>[]> {
  const seen = await readTopic(kafkaFor(env), topic, {
    until: (messages) => until(messages.map((m) => m.json<CloudEvent<EventOf<T>>>())),
    timeoutMs,
  });
  return seen.map((m) => m.json<CloudEvent<EventOf<T>>>());
}

export * from './fixtures.js';
