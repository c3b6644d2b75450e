import { afterEach, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { isolatedEnv, waitFor } from '@baton/testing';
import { createKafka } from './client.js';
import { EventConsumer } from './consumer.js';
import { provisionTopics } from './provisioning.js';
import { EventPublisher } from './publisher.js';
import { engagement } from '../test/fixtures.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

describe('a handler slower than the session timeout', () => {
  it('keeps its membership (heartbeats go on while it works): no rebalance, nothing handled twice', async () => {
    const env = isolatedEnv('heartbeat');
    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS,
      clientId: 'baton-test',
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
    });
    await provisionTopics(kafka, [Topics.LeadEngagement], { partitions: 1, replicationFactor: 1 });
    const publisher = new EventPublisher(kafka, 'baton/test');
    await publisher.connect();
    stops.push(() => publisher.disconnect());
    const consumer = new EventConsumer(kafka, {
      groupId: `g-heartbeat-${env.DATABASE_SCHEMA}`,
      source: 'baton/test',
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
    });
    stops.push(() => consumer.stop());
    let joins = 0;
    consumer.raw.on(consumer.raw.events.GROUP_JOIN, () => joins++);
    const handled: string[] = [];
    consumer.on(Topics.LeadEngagement, async (e) => {
      // Longer than the session timeout: without heartbeats the broker would expel the member.
      if (handled.length === 0) await new Promise((r) => setTimeout(r, 9_000));
      handled.push(e.data.sourceEventId);
    });
    await consumer.start();
    const lead = 'hubspot:contact:1';
    await publisher.publish(
      [0, 1, 2].map((n) => ({ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, n) })),
    );
    await waitFor(async () => handled.length >= 3, 30_000, 'three events');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(handled).toEqual([`${lead}-0`, `${lead}-1`, `${lead}-2`]);
    expect(joins).toBe(1);
  }, 60_000);
});
