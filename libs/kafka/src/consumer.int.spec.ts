import { afterEach, describe, expect, it } from 'vitest';
import { Topics, deadLetterTopic } from '@baton/domain';
import { isolatedEnv, readTopic, waitFor } from '@baton/testing';
import { createKafka } from './client.js';
import { EventConsumer } from './consumer.js';
import { PermanentError } from './errors.js';
import { Headers } from './headers.js';
import { provisionTopics } from './provisioning.js';
import { EventPublisher } from './publisher.js';
import { engagement } from '../test/fixtures.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function setup(name: string) {
  const env = isolatedEnv(name);
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(kafka, [Topics.LeadEngagement], { partitions: 3, replicationFactor: 1 });
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
    expect(dlq[0].headers[Headers.originalTopic]).toBe(Topics.LeadEngagement);
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
});
