import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Topics, type LeadQualified } from '@baton/domain';
import { EventPublisher, createKafka, provisionTopics } from '@baton/kafka';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { killSpawnedServices, spawnService } from './spawn.js';

const MAIN = fileURLToPath(new URL('../test/fixture/fixture.main.ts', import.meta.url));
const base = isolatedEnv('shutdown', { KAFKA_TOPIC_PARTITIONS: 1 });
const schema = base.DATABASE_SCHEMA!;
const kafka = createKafka({
  brokers: base.KAFKA_BROKERS,
  clientId: 'baton-test',
  topicPrefix: base.KAFKA_TOPIC_PREFIX,
});
const group = `${base.KAFKA_TOPIC_PREFIX}baton-routing`;

afterAll(async () => {
  killSpawnedServices();
  await dropSchema(schema);
});

const handledCount = async () =>
  (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.handled`).catch(() => [{ n: 0 }]))[0]
    .n;

async function committedOffset(): Promise<number> {
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [kafka.physical(Topics.LeadQualified)] });
    return t.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

function qualified(n: number): LeadQualified {
  const leadId = 'hubspot:contact:808';
  return {
    leadId,
    qualificationId: `q-${n}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: '808' },
    identity: {},
    firmographics: {},
    score: 70,
    threshold: 60,
    breakdown: [],
    highIntentSignals: [],
    summary: '',
    rulesVersion: 'test',
    qualifiedAt: new Date(Date.UTC(2026, 10, 20, 9, n)).toISOString(),
  };
}

const vars = { FIXTURE_HANDLE_MS: '300', KAFKA_TOPIC_PARTITIONS: '1' };

describe('a Baton service process', () => {
  it('serves health and metrics, and on SIGTERM finishes the message in flight, commits it and leaves', async () => {
    await provisionTopics(kafka, [Topics.LeadQualified], { partitions: 1, replicationFactor: 1 });
    const publisher = new EventPublisher(kafka, 'baton/test');
    await publisher.connect();
    await publisher.publish(
      Array.from({ length: 10 }, (_, n) => ({
        topic: Topics.LeadQualified,
        subject: 'hubspot:contact:808',
        id: `q-${n}`,
        data: qualified(n),
      })),
    );
    await publisher.disconnect();

    const first = spawnService(MAIN, base, vars);
    await first.ready();
    const port = await first.port;
    const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as {
      checks: Record<string, string>;
    };
    expect(ready.checks).toMatchObject({
      startup: 'up',
      database: 'up',
      kafka: 'up',
      consumers: 'up',
      outbox: 'up',
    });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);

    await waitFor(async () => (await handledCount()) >= 3, 30_000, 'three handled');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('baton_consumer_messages_total');
    expect(metrics).toContain('service="routing"');

    first.kill('SIGTERM');
    const stop = await first.exited;
    expect(stop.code, first.output()).toBe(0);
    expect(first.output()).not.toMatch(/"level":"error"/);
    const handled = await handledCount();
    expect(handled).toBeGreaterThanOrEqual(3);
    expect(handled).toBeLessThan(10);
    // Everything handled was committed, and nothing was committed that was not handled.
    expect(await committedOffset()).toBe(handled);

    const second = spawnService(MAIN, base, vars);
    await waitFor(async () => (await handledCount()) === 10, 60_000, 'the rest handled after restart');
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(await handledCount()).toBe(10);
    expect(await committedOffset()).toBe(10);
  });
});
