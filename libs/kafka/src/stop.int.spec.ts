import { afterEach, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { isolatedEnv, readTopic, waitFor } from '@baton/testing';
import { createKafka } from './client.js';
import { EventConsumer } from './consumer.js';
import { provisionTopics } from './provisioning.js';
import { EventPublisher } from './publisher.js';
import { engagement } from '../test/fixtures.js';
import { kafkaThrough, tcpProxy } from '../test/tcp-proxy.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

const STOP_MS = 3_000;
/** What the machine may add to the bound (it is loaded); far below kafkajs's own 30 s request timeout. */
const SLACK_MS = 3_000;

async function setup(name: string) {
  const env = isolatedEnv(name);
  const direct = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  await provisionTopics(direct, [Topics.LeadEngagement], { partitions: 1, replicationFactor: 1 });
  const publisher = new EventPublisher(direct, 'baton/test');
  await publisher.connect();
  cleanups.push(() => publisher.disconnect());
  const [host, port] = env.KAFKA_BROKERS[0].split(':');
  const proxy = await tcpProxy(host, Number(port));
  cleanups.push(() => proxy.close());
  const kafka = kafkaThrough(proxy, { clientId: 'baton-test', topicPrefix: env.KAFKA_TOPIC_PREFIX });
  return { env, direct, kafka, publisher, proxy, groupId: `g-${name}-${env.DATABASE_SCHEMA}` };
}

const lead = 'hubspot:contact:1';
const event = (n: number) => ({ topic: Topics.LeadEngagement, subject: lead, data: engagement(lead, n) });

async function timed(p: Promise<unknown>): Promise<number> {
  const t0 = Date.now();
  await p;
  return Date.now() - t0;
}

describe('EventConsumer.stop() and EventPublisher.disconnect() are bounded', () => {
  for (const mode of ['gone', 'silent'] as const) {
    it(`returns within its bound when the broker is ${mode === 'gone' ? 'gone (connections reset, then refused)' : 'silent (connections open, no answers)'}`, async () => {
      const { kafka, publisher, proxy, groupId } = await setup(`stop${mode}`);
      const handled: string[] = [];
      const c = new EventConsumer(kafka, { groupId, source: 'baton/test', stopTimeoutMs: STOP_MS });
      cleanups.push(() => c.stop());
      c.on(Topics.LeadEngagement, async (e) => {
        handled.push(e.data.sourceEventId);
      });
      await c.start();
      await publisher.publish([event(0)]);
      await waitFor(async () => handled.length === 1, 30_000, 'the first event');

      if (mode === 'gone') await proxy.close();
      else proxy.freeze();
      // Let the consumer run into it (a fetch, a heartbeat, a commit in flight).
      await new Promise((r) => setTimeout(r, 1_500));
      const took = await timed(c.stop());
      expect(took).toBeLessThan(STOP_MS + SLACK_MS);
      expect(c.health().state).toBe('stopped');
    }, 90_000);
  }

  it('does not wait for a handler that hangs; the message is delivered again to the next consumer', async () => {
    const { direct, publisher, groupId } = await setup('stophang');
    const seen: string[] = [];
    const c = new EventConsumer(direct, {
      groupId,
      source: 'baton/test',
      stopTimeoutMs: STOP_MS,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
    });
    cleanups.push(() => c.stop());
    c.on(Topics.LeadEngagement, async (e) => {
      seen.push(e.data.sourceEventId);
      await new Promise((r) => setTimeout(r, 60_000)); // a CRM call that never comes back
    });
    await c.start();
    await publisher.publish([event(0)]);
    await waitFor(async () => seen.length === 1, 30_000, 'the handler under way');
    expect(await timed(c.stop())).toBeLessThan(STOP_MS + SLACK_MS);

    const again: string[] = [];
    const next = new EventConsumer(direct, {
      groupId,
      source: 'baton/test',
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
    });
    cleanups.push(() => next.stop());
    next.on(Topics.LeadEngagement, async (e) => {
      again.push(e.data.sourceEventId);
    });
    await next.start();
    // The abandoned member's session (10 s) has to expire before its partition moves; it no longer
    // heartbeats, so that happens well before its handler would have returned.
    await waitFor(async () => again.length === 1, 45_000, 'the redelivery');
    expect(again).toEqual([`${lead}-0`]);
  }, 150_000);

  it('cuts a retry backoff short: the failing message is not dead-lettered, it comes again after a restart', async () => {
    const { direct, publisher, groupId } = await setup('stopretry');
    let calls = 0;
    const consumer = () => {
      const c = new EventConsumer(direct, {
        groupId,
        source: 'baton/test',
        // Far longer than a graceful stop takes: returning early shows the backoff was cut short.
        stopTimeoutMs: 30_000,
        retry: { attempts: 5, initialDelayMs: 20_000, maxDelayMs: 20_000 },
      });
      cleanups.push(() => c.stop());
      return c;
    };
    const handled: string[] = [];
    const c = consumer();
    c.on(Topics.LeadEngagement, async () => {
      calls++;
      throw new Error('database briefly unavailable');
    });
    await c.start();
    await publisher.publish([event(0)]);
    await waitFor(async () => calls === 1, 30_000, 'the first attempt');
    expect(await timed(c.stop())).toBeLessThan(15_000);
    expect(calls).toBe(1);

    const next = consumer();
    next.on(Topics.LeadEngagement, async (e) => {
      handled.push(e.data.sourceEventId);
    });
    await next.start();
    await waitFor(async () => handled.length === 1, 30_000, 'the message again');
    expect(handled).toEqual([`${lead}-0`]);
    await expect(
      readTopic(direct, Topics.LeadEngagement, { dlq: true, until: (s) => s.length > 0, timeoutMs: 2_000 }),
    ).rejects.toThrow(/timed out/);
  }, 90_000);

  it('EventPublisher.disconnect() returns within its bound too, a send to the silent broker in flight', async () => {
    const { kafka, proxy } = await setup('stoppublisher');
    const publisher = new EventPublisher(kafka, 'baton/test', { disconnectTimeoutMs: STOP_MS });
    await publisher.connect();
    await publisher.publish([event(0)]);
    proxy.freeze();
    const sending = publisher.publish([event(1)]).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(await timed(publisher.disconnect())).toBeLessThan(STOP_MS + SLACK_MS);
    void sending;
  }, 60_000);
});
