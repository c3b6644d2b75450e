import { afterEach, describe, expect, it } from 'vitest';
import { Topics, deadLetterTopic } from '@baton/domain';
import { metricsRegistry } from '@baton/observability';
import { isolatedEnv, readTopic, waitFor } from '@baton/testing';
import { createKafka } from './client.js';
import { EventConsumer } from './consumer.js';
import { PermanentError } from './errors.js';
import { Headers } from './headers.js';
import { provisionTopics } from './provisioning.js';
import { EventPublisher, toRecord } from './publisher.js';
import { engagement } from '../test/fixtures.js';
import { makeEvent } from '@baton/domain';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

/** Just under the broker's default message.max.bytes (1,048,588 for the whole record batch). */
const HUGE = 1_048_400;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = await metricsRegistry.getSingleMetric(name)?.get();
  return (m?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('a message near the broker size limit', () => {
  it('is dead-lettered truncated with a pointer, the next message is handled, the consumer runs on and its offsets move past both', async () => {
    const env = isolatedEnv('hugemsg');
    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS,
      clientId: 'baton-test',
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
    });
    await provisionTopics(kafka, [Topics.LeadEngagement], { partitions: 1, replicationFactor: 1 });
    const publisher = new EventPublisher(kafka, 'baton/test');
    await publisher.connect();
    stops.push(() => publisher.disconnect());
    const lead = 'hubspot:contact:77';

    // A valid CloudEvent padded to the size (the consumer validates and hands it over like any
    // other) and one that is not JSON: both accepted by the broker, both on their way to the DLQ.
    const valid = toRecord(
      Topics.LeadEngagement,
      makeEvent('baton/test', { topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, 0) }),
    );
    const parsed = JSON.parse(valid.value) as { data: { detail: Record<string, string> } };
    parsed.data.detail.title = '';
    parsed.data.detail.title = 'x'.repeat(HUGE - Buffer.byteLength(JSON.stringify(parsed)));
    const bigValid = JSON.stringify(parsed);
    expect(Buffer.byteLength(bigValid)).toBe(HUGE);
    const bigInvalid = '{' + 'y'.repeat(HUGE - 1);
    const producer = kafka.client.producer();
    await producer.connect();
    await producer.send({
      topic: kafka.physical(Topics.LeadEngagement),
      messages: [{ key: lead, value: bigInvalid }],
    });
    await producer.send({
      topic: kafka.physical(Topics.LeadEngagement),
      // Only its id among the usual headers: with all of them the batch would pass the broker's limit.
      messages: [{ key: lead, value: bigValid, headers: { [Headers.ceId]: valid.headers[Headers.ceId] } }],
    });
    await producer.disconnect();
    await publisher.publish([{ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, 1) }]);

    const groupId = `g-hugemsg-${env.DATABASE_SCHEMA}`;
    const handled: string[] = [];
    const bigSeen: number[] = [];
    const consumer = () => {
      const c = new EventConsumer(kafka, {
        groupId,
        source: 'baton/test',
        retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
      });
      c.on(Topics.LeadEngagement, async (e) => {
        if ((e.data.detail.title?.length ?? 0) > 1000) {
          bigSeen.push(e.data.detail.title!.length);
          throw new PermanentError('no page has a title that long');
        }
        handled.push(e.data.sourceEventId);
      });
      stops.push(() => c.stop());
      return c;
    };
    const truncatedBefore = await metric('baton_consumer_dead_letters_truncated_total', { group: groupId });

    const c = consumer();
    await c.start();
    await waitFor(async () => handled.length === 1, 60_000, 'the message after the huge ones');
    expect(handled).toEqual([`${lead}-1`]);
    // Validated and handed over like any other (unless the domain caps such a field, then it
    // went to the DLQ for validation: dead-lettered either way).
    expect(bigSeen.length).toBeLessThanOrEqual(1);

    const dlq = await readTopic(kafka, Topics.LeadEngagement, {
      dlq: true,
      until: (s) => s.length >= 2,
      timeoutMs: 60_000,
    });
    expect(dlq.map((m) => Number(m.headers[Headers.originalOffset]))).toEqual([0, 1]);
    for (const m of dlq) {
      expect(m.topic).toBe(kafka.physical(deadLetterTopic(Topics.LeadEngagement)));
      expect(m.key).toBe(lead);
      expect(m.headers[Headers.dlqTruncated]).toBe(String(HUGE));
      expect(m.headers[Headers.originalTopic]).toBe(kafka.physical(Topics.LeadEngagement));
      expect(m.headers[Headers.originalPartition]).toBe('0');
      expect(Buffer.byteLength(m.value!)).toBeLessThanOrEqual(900 * 1024);
      expect(Buffer.byteLength(m.value!)).toBeGreaterThan(800 * 1024);
    }
    expect(dlq[0].headers[Headers.dlqKind]).toBe('validation');
    expect(dlq[0].value!.startsWith('{yyyy')).toBe(true);
    expect(['permanent', 'validation']).toContain(dlq[1].headers[Headers.dlqKind]);
    // The original headers came along.
    expect(dlq[1].headers[Headers.ceId]).toBe(valid.headers[Headers.ceId]);
    expect(await metric('baton_consumer_dead_letters_truncated_total', { group: groupId })).toBe(
      truncatedBefore + 2,
    );

    expect(c.isRunning).toBe(true);
    expect(c.health()).toMatchObject({ state: 'running', crashes: 0 });

    // The offsets moved past all three: a consumer of the same group started afterwards gets only what comes next.
    await c.stop();
    handled.length = 0;
    const again = consumer();
    await again.start();
    await publisher.publish([{ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, 2) }]);
    await waitFor(async () => handled.length >= 1, 30_000, 'the next message');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(handled).toEqual([`${lead}-2`]);
    expect(bigSeen.length).toBeLessThanOrEqual(1);
  }, 120_000);

  it('moves past a message the DLQ refuses for good (logged and counted), instead of crash-looping', async () => {
    const env = isolatedEnv('dlqrefuses');
    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS,
      clientId: 'baton-test',
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
    });
    await provisionTopics(kafka, [Topics.LeadEngagement], { partitions: 1, replicationFactor: 1 });
    // A DLQ topic whose own limit is far below the dead-letter bound, and below even the pointer.
    const admin = kafka.client.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2, // TOPIC
          name: kafka.physical(deadLetterTopic(Topics.LeadEngagement)),
          configEntries: [{ name: 'max.message.bytes', value: '200' }],
        },
      ],
    });
    const publisher = new EventPublisher(kafka, 'baton/test');
    await publisher.connect();
    stops.push(() => publisher.disconnect());
    const lead = 'hubspot:contact:78';
    const producer = kafka.client.producer();
    await producer.connect();
    await producer.send({
      topic: kafka.physical(Topics.LeadEngagement),
      messages: [{ key: lead, value: 'not json' }],
    });
    await producer.disconnect();
    await publisher.publish([{ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, 1) }]);

    const groupId = `g-dlqrefuses-${env.DATABASE_SCHEMA}`;
    const lostBefore = await metric('baton_consumer_dead_letters_lost_total', { group: groupId });
    const handled: string[] = [];
    const c = new EventConsumer(kafka, { groupId, source: 'baton/test' });
    stops.push(() => c.stop());
    c.on(Topics.LeadEngagement, async (e) => {
      handled.push(e.data.sourceEventId);
    });
    await c.start();
    await waitFor(async () => handled.length === 1, 60_000, 'the message after the refused one');
    expect(await metric('baton_consumer_dead_letters_lost_total', { group: groupId })).toBe(lostBefore + 1);
    expect(c.health()).toMatchObject({ state: 'running', crashes: 0 });
    await waitFor(
      async () => {
        const [t] = await admin.fetchOffsets({ groupId, topics: [kafka.physical(Topics.LeadEngagement)] });
        return t.partitions[0].offset === '2';
      },
      20_000,
      'the offset committed past both',
    );
  }, 120_000);
});
