import { afterEach, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { Topics, deadLetterTopic } from '@baton/domain';
import { isolatedEnv, waitFor } from '@baton/testing';
import { createKafka, type KafkaConnection } from './client.js';
import { EventConsumer } from './consumer.js';
import { provisionTopics, topicReprovisioner } from './provisioning.js';
import { EventPublisher } from './publisher.js';
import { engagement } from '../test/fixtures.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

const settings = { partitions: 2, replicationFactor: 1 };
const topics = [Topics.LeadEngagement];

async function setup(name: string) {
  const env = isolatedEnv(name);
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(kafka, topics, settings);
  const publisher = new EventPublisher(kafka, 'baton/test');
  await publisher.connect();
  stops.push(() => publisher.disconnect());
  const admin = kafka.client.admin();
  await admin.connect();
  stops.push(() => admin.disconnect());
  return { env, kafka, publisher, admin, groupId: `g-${name}-${env.DATABASE_SCHEMA}` };
}

/** Deletes this test's own topics (its prefix only), as a wiped broker would have lost them. */
async function wipe(kafka: KafkaConnection, admin: Admin): Promise<void> {
  const mine = topics.flatMap((t) => [kafka.physical(t), kafka.physical(deadLetterTopic(t))]);
  await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  await waitFor(
    async () => !(await admin.listTopics()).some((t) => mine.includes(t)),
    30_000,
    'the topics deleted',
  );
}

const lead = 'hubspot:contact:1';
const events = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    topic: Topics.LeadEngagement,
    subject: lead,
    data: engagement(lead, from + i),
  }));

describe('a consumer whose topics vanish', () => {
  it('reports itself crashed and crash-looping while they are gone, and running again once they are back', async () => {
    const { kafka, publisher, admin, groupId } = await setup('crashhealth');
    const handled: string[] = [];
    const c = new EventConsumer(kafka, { groupId, source: 'baton/test' });
    stops.push(() => c.stop());
    c.on(Topics.LeadEngagement, async (e) => {
      handled.push(e.data.sourceEventId);
    });
    await c.start();
    expect(c.health()).toMatchObject({ state: 'running', crashes: 0, crashLooping: false });
    expect(c.problem()).toBeUndefined();
    await publisher.publish(events(0, 2));
    await waitFor(async () => handled.length === 2, 30_000, 'two events');

    await wipe(kafka, admin);
    // Without a way to re-create them it crashes again and again; kafkajs keeps restarting it.
    await waitFor(async () => c.health().crashes >= 3, 90_000, 'three crashes');
    const h = c.health();
    expect(h.crashLooping).toBe(true);
    expect(h.lastError).toMatch(/topic-partition|UNKNOWN_TOPIC/i);
    expect(h.lastCrashAt).toBeInstanceOf(Date);
    expect(c.problem()).toMatch(/crash/);
    expect(c.isRunning).toBe(true); // started, not stopped: only health() tells the truth

    await provisionTopics(kafka, topics, settings);
    await waitFor(async () => c.health().state === 'running', 60_000, 'the consumer back in its group');
    await publisher.publish(events(2, 2));
    await waitFor(async () => handled.length === 4, 30_000, 'the events after the topics came back');
    expect(handled.slice(2)).toEqual([`${lead}-2`, `${lead}-3`]);
  }, 240_000);

  it('provisions them again by itself and consumes what is produced after the wipe, without a restart', async () => {
    const { kafka, publisher, admin, groupId } = await setup('wipe');
    const handled: string[] = [];
    const c = new EventConsumer(kafka, {
      groupId,
      source: 'baton/test',
      reprovision: topicReprovisioner(kafka, topics, settings),
    });
    stops.push(() => c.stop());
    c.on(Topics.LeadEngagement, async (e) => {
      handled.push(e.data.sourceEventId);
    });
    await c.start();
    await publisher.publish(events(0, 5));
    await waitFor(async () => handled.length === 5, 30_000, 'five events');
    // Committed offsets of 5: a re-created topic must not be read from there.
    await waitFor(
      async () => {
        const [t] = await admin.fetchOffsets({ groupId, topics: [kafka.physical(Topics.LeadEngagement)] });
        return t.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) === 5;
      },
      20_000,
      'offsets committed',
    );

    await wipe(kafka, admin);
    await waitFor(async () => c.health().crashes >= 1, 90_000, 'the consumer to notice');
    await waitFor(
      async () => (await admin.listTopics()).includes(kafka.physical(Topics.LeadEngagement)),
      60_000,
      'the topics created again',
    );
    expect(await admin.listTopics()).toContain(kafka.physical(deadLetterTopic(Topics.LeadEngagement)));
    await publisher.publish(events(5, 5));
    await waitFor(async () => handled.length >= 10, 60_000, 'the events produced after the wipe');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(handled.slice(5).sort()).toEqual([5, 6, 7, 8, 9].map((n) => `${lead}-${n}`));
    expect(c.health().state).toBe('running');
  }, 240_000);
});

describe('a consumer started without waiting for its group', () => {
  it('says it is starting, and consumes once it is in', async () => {
    const { kafka, publisher, groupId } = await setup('nowait');
    const handled: string[] = [];
    const c = new EventConsumer(kafka, { groupId, source: 'baton/test' });
    stops.push(() => c.stop());
    c.on(Topics.LeadEngagement, async (e) => {
      handled.push(e.data.sourceEventId);
    });
    await c.start({ waitForGroup: false });
    expect(c.isRunning).toBe(true);
    expect(c.health().state).toBe('starting');
    expect(c.problem()).toMatch(/^starting/);
    await publisher.publish(events(0, 1));
    await waitFor(async () => handled.length === 1, 30_000, 'the event');
    expect(c.health().state).toBe('running');
  }, 60_000);
});
