import { afterEach, describe, expect, it } from 'vitest';
import { Topics, deadLetterTopic, type TopicName } from '@baton/domain';
import { metricsRegistry } from '@baton/observability';
import { isolatedEnv, readTopic, waitFor } from '@baton/testing';
import { createKafka } from './client.js';
import { EventConsumer } from './consumer.js';
import { PermanentError } from './errors.js';
import { Headers } from './headers.js';
import { provisionTopics } from './provisioning.js';
import { EventPublisher } from './publisher.js';
import { engagement, profile } from '../test/fixtures.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

/** baton_kafka_published_total by its topic label. */
async function publishedByTopic(): Promise<Map<string, number>> {
  const metric = await metricsRegistry.getSingleMetric('baton_kafka_published_total')!.get();
  return new Map(metric.values.map((v) => [String(v.labels.topic), v.value]));
}

async function setup(name: string, topics: TopicName[] = [Topics.LeadEngagement]) {
  const env = isolatedEnv(name);
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(kafka, topics, { partitions: 3, replicationFactor: 1 });
  const publisher = new EventPublisher(kafka, 'baton/test');
  await publisher.connect();
  stops.push(() => publisher.disconnect());
  const consumer = (opts: Partial<ConstructorParameters<typeof EventConsumer>[1]> = {}) => {
    const c = new EventConsumer(kafka, {
      groupId: `g-${name}`,
      source: 'baton/test',
      retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 },
      ...opts,
    });
    stops.push(() => c.stop());
    return c;
  };
  return { env, kafka, publisher, consumer };
}

describe('EventConsumer on a real broker', () => {
  it("round-trips validated, keyed CloudEvents and keeps one lead's events in order", async () => {
    const { kafka, publisher, consumer } = await setup('roundtrip');
    const leads = ['hubspot:contact:1', 'hubspot:contact:2', 'hubspot:contact:3'];
    const events = [];
    for (let n = 0; n < 30; n++)
      for (const l of leads)
        events.push({ topic: Topics.LeadEngagement, subject: l, data: engagement(l, n) });
    await publisher.publish(events);

    const got = new Map<string, string[]>();
    const c = consumer();
    c.on(Topics.LeadEngagement, async (e) => {
      const list = got.get(e.subject) ?? [];
      list.push(e.data.sourceEventId);
      got.set(e.subject, list);
    });
    await c.start();
    await waitFor(
      async () => [...got.values()].reduce((a, l) => a + l.length, 0) === 90,
      30_000,
      '90 events',
    );
    for (const l of leads) expect(got.get(l)).toEqual(Array.from({ length: 30 }, (_, n) => `${l}-${n}`));

    const raw = await readTopic(kafka, Topics.LeadEngagement, { until: (s) => s.length >= 90 });
    const sample = raw[0];
    expect(sample.key).toMatch(/^hubspot:contact:\d$/);
    expect(sample.headers['content-type']).toBe('application/cloudevents+json');
    expect(sample.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(sample.json<{ specversion: string; type: string }>()).toMatchObject({
      specversion: '1.0',
      type: 'baton.lead.engagement.v1',
    });
  });

  it('sends a malformed message to <topic>.dlq with the reason, and processes the next one', async () => {
    const { kafka, publisher, consumer } = await setup('poison');
    const lead = 'hubspot:contact:9';
    const producer = kafka.client.producer();
    await producer.connect();
    await producer.send({
      topic: kafka.physical(Topics.LeadEngagement),
      messages: [{ key: lead, value: '{"not":"a cloudevent"' }],
    });
    await producer.disconnect();
    await publisher.publish([{ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, 1) }]);

    const handled: string[] = [];
    const c = consumer();
    c.on(Topics.LeadEngagement, async (e) => {
      handled.push(e.data.sourceEventId);
    });
    await c.start();
    await waitFor(async () => handled.length === 1, 20_000, 'the good message');
    expect(handled).toEqual([`${lead}-1`]);

    const dlq = await readTopic(kafka, Topics.LeadEngagement, { dlq: true, until: (s) => s.length >= 1 });
    expect(dlq[0].topic).toBe(kafka.physical(deadLetterTopic(Topics.LeadEngagement)));
    expect(dlq[0].value).toBe('{"not":"a cloudevent"');
    expect(dlq[0].key).toBe(lead);
    expect(dlq[0].headers[Headers.dlqKind]).toBe('validation');
    expect(dlq[0].headers[Headers.dlqReason]).toContain('not JSON');
    // The topic as it is named on the wire, prefix included.
    expect(dlq[0].headers[Headers.originalTopic]).toBe(kafka.physical(Topics.LeadEngagement));
  });

  it('labels baton_kafka_published_total with the registry topic, for published events and dead letters', async () => {
    const { env, kafka, publisher, consumer } = await setup('labels');
    const lead = 'hubspot:contact:11';
    const before = await publishedByTopic();
    await publisher.publish(
      [0, 1].map((n) => ({ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, n) })),
    );
    const c = consumer();
    c.on(Topics.LeadEngagement, async (e) => {
      if (e.data.sourceEventId.endsWith('-0')) throw new PermanentError('rejected');
    });
    await c.start();
    const dlq = await readTopic(kafka, Topics.LeadEngagement, { dlq: true, until: (s) => s.length >= 1 });
    expect(dlq[0].headers[Headers.originalTopic]).toBe(`${env.KAFKA_TOPIC_PREFIX}${Topics.LeadEngagement}`);

    // sendRecords (the publish) and sendRaw (the dead letter) both count under the registry name.
    const dlqTopic = deadLetterTopic(Topics.LeadEngagement);
    const after = await waitFor(async () => {
      const now = await publishedByTopic();
      return (now.get(dlqTopic) ?? 0) > (before.get(dlqTopic) ?? 0) && now;
    });
    expect((after.get(Topics.LeadEngagement) ?? 0) - (before.get(Topics.LeadEngagement) ?? 0)).toBe(2);
    expect((after.get(dlqTopic) ?? 0) - (before.get(dlqTopic) ?? 0)).toBe(1);
    expect([...after.keys()].filter((t) => t.startsWith(env.KAFKA_TOPIC_PREFIX))).toEqual([]);
  });

  it('retries a handler that fails twice, then handles the message exactly once, skipping nothing', async () => {
    const { publisher, consumer } = await setup('retry');
    const lead = 'hubspot:contact:7';
    await publisher.publish(
      [0, 1, 2].map((n) => ({ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, n) })),
    );
    const attempts = new Map<string, number>();
    const done: string[] = [];
    const c = consumer();
    c.on(Topics.LeadEngagement, async (e) => {
      const id = e.data.sourceEventId;
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      if (id.endsWith('-1') && attempts.get(id)! <= 2) throw new Error('database briefly unavailable');
      done.push(id);
    });
    await c.start();
    await waitFor(async () => done.length === 3, 20_000, 'three handled');
    expect(done).toEqual([`${lead}-0`, `${lead}-1`, `${lead}-2`]);
    expect(attempts.get(`${lead}-1`)).toBe(3);
  });

  it('dead-letters after the last retry, and at once on PermanentError, then moves on', async () => {
    const { kafka, publisher, consumer } = await setup('exhaust');
    const lead = 'hubspot:contact:5';
    await publisher.publish(
      [0, 1, 2].map((n) => ({ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, n) })),
    );
    const calls = new Map<string, number>();
    const done: string[] = [];
    const c = consumer();
    c.on(Topics.LeadEngagement, async (e) => {
      const id = e.data.sourceEventId;
      calls.set(id, (calls.get(id) ?? 0) + 1);
      if (id.endsWith('-0')) throw new Error('always down');
      if (id.endsWith('-1')) throw new PermanentError('lead belongs to another tenant');
      done.push(id);
    });
    await c.start();
    await waitFor(async () => done.length === 1, 20_000, 'the last message');
    const dlq = await readTopic(kafka, Topics.LeadEngagement, { dlq: true, until: (s) => s.length >= 2 });
    expect(dlq.map((m) => m.headers[Headers.dlqKind]).sort()).toEqual(['exhausted', 'permanent']);
    expect(calls.get(`${lead}-0`)).toBe(3);
    expect(calls.get(`${lead}-1`)).toBe(1);
    expect(dlq.find((m) => m.headers[Headers.dlqKind] === 'exhausted')!.headers[Headers.dlqReason]).toBe(
      'always down',
    );
  });

  it('isolates a poison message inside a batch handler', async () => {
    const { kafka, publisher, consumer } = await setup('batch');
    const lead = 'hubspot:contact:4';
    await publisher.publish(
      [0, 1, 2, 3, 4].map((n) => ({
        topic: Topics.LeadEngagement,
        subject: lead,
        data: engagement(lead, n),
      })),
    );
    const applied = new Set<string>();
    const c = consumer({ retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 } });
    c.onBatch(Topics.LeadEngagement, async (items) => {
      if (items.some((i) => i.event.data.sourceEventId.endsWith('-2'))) throw new Error('cannot apply -2');
      for (const i of items) applied.add(i.event.data.sourceEventId);
    });
    await c.start();
    await waitFor(async () => applied.size === 4, 20_000, 'four applied');
    expect([...applied].sort()).toEqual([0, 1, 3, 4].map((n) => `${lead}-${n}`));
    const dlq = await readTopic(kafka, Topics.LeadEngagement, { dlq: true, until: (s) => s.length >= 1 });
    expect(dlq[0].json<{ data: { sourceEventId: string } }>().data.sourceEventId).toBe(`${lead}-2`);
  });

  it('merges the batches of one fetch (every partition and topic) into one handler call, and isolates a poison message', async () => {
    const { kafka, publisher, consumer } = await setup('coalesce', [
      Topics.LeadEngagement,
      Topics.LeadProfile,
    ]);
    const leads = Array.from({ length: 9 }, (_, i) => `hubspot:contact:${i + 1}`);
    await publisher.publish([
      ...leads.map((l) => ({ topic: Topics.LeadProfile, subject: l, data: profile(l, 0) })),
      ...leads.flatMap((l) =>
        [0, 1, 2].map((n) => ({ topic: Topics.LeadEngagement, subject: l, data: engagement(l, n) })),
      ),
    ]);
    const poison = `${leads[4]}-1`;
    const calls: { partitions: Set<string>; ids: string[] }[] = [];
    const applied: string[] = [];
    const c = consumer({
      coalesce: { maxConcurrent: 1 },
      partitionsConsumedConcurrently: 6,
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
    });
    c.onBatch([Topics.LeadEngagement, Topics.LeadProfile], async (items) => {
      const ids = items.map(({ event, ctx }) =>
        ctx.topic === Topics.LeadProfile
          ? `profile:${event.subject}`
          : (event.data as { sourceEventId: string }).sourceEventId,
      );
      calls.push({ partitions: new Set(items.map((i) => `${i.ctx.topic}/${i.ctx.partition}`)), ids });
      if (ids.includes(poison)) throw new Error('cannot apply the poison message');
      applied.push(...ids);
    });
    await c.start();
    await waitFor(async () => applied.length === 9 + 27 - 1, 30_000, 'all but the poison message applied');
    // Everything was on the topics before the consumer started: its first fetch brought all six
    // topic-partitions, and they arrived in one call.
    expect(calls[0].partitions.size).toBe(6);
    expect(calls[0].ids).toHaveLength(36);
    expect(calls[0].ids).toContain(poison);
    // After the merged call failed, each partition went on alone: only the poison is missing,
    // nothing was applied twice.
    expect(new Set(applied).size).toBe(applied.length);
    expect(applied).not.toContain(poison);
    const dlq = await readTopic(kafka, Topics.LeadEngagement, { dlq: true, until: (s) => s.length >= 1 });
    expect(dlq.map((m) => m.json<{ data: { sourceEventId: string } }>().data.sourceEventId)).toEqual([
      poison,
    ]);
  });

  it('commits offsets off the fetch loop, and every handled offset before leaving the group', async () => {
    const { kafka, publisher, consumer } = await setup('commits');
    const leads = Array.from({ length: 6 }, (_, i) => `hubspot:contact:${i + 1}`);
    const send = (round: number) =>
      publisher.publish(
        leads.map((l) => ({ topic: Topics.LeadEngagement, subject: l, data: engagement(l, round) })),
      );
    const handled: string[] = [];
    const c = consumer();
    c.onBatch(Topics.LeadEngagement, async (items) => {
      for (const i of items) handled.push(i.event.data.sourceEventId);
    });
    await c.start();
    const admin = kafka.client.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    const committed = async () => {
      const [t] = await admin.fetchOffsets({
        groupId: 'g-commits',
        topics: [kafka.physical(Topics.LeadEngagement)],
      });
      return t.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    for (let round = 0; round < 5; round++) await send(round);
    await waitFor(async () => handled.length === 30, 20_000, '30 handled');
    // While the consumer runs, commits follow the handled batches on their own.
    await waitFor(async () => (await committed()) === 30, 10_000, 'offsets of 30 messages committed');
    await send(5);
    await waitFor(async () => handled.length === 36, 20_000, '36 handled');
    await c.stop();
    expect(await committed()).toBe(36);

    // A consumer joining the group afterwards gets nothing again.
    const again: string[] = [];
    const next = consumer();
    next.onBatch(Topics.LeadEngagement, async (items) => {
      for (const i of items) again.push(i.event.data.sourceEventId);
    });
    await next.start();
    await send(6);
    await waitFor(async () => again.length === 6, 20_000, 'the new round');
    expect(again.sort()).toEqual(leads.map((l) => `${l}-6`).sort());
  });
});
