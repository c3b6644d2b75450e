import { afterAll, describe, expect, it } from 'vitest';
import { Topics, type LeadProfile, type LeadQualified } from '@baton/domain';
import { EventPublisher, createKafka } from '@baton/kafka';
import { Housekeeper } from '@baton/persistence';
import { CLOCK, ManualClock, SERVICE_POLICY, type LoadedPolicy } from '@baton/platform';
import { dropSchema, isolatedEnv, kafkaFor, query, readTopic, waitFor } from '@baton/testing';
import { FixtureReadiness, POISON_COMPANY, fixtureService } from '../test/fixture/fixture.service.js';
import { TEST_API_TOKEN, startTestService, type TestService } from './test-service.js';
import { waitForTopics } from './topics.js';

const base = isolatedEnv('kit');
const schema = base.DATABASE_SCHEMA!;
const services: TestService[] = [];

afterAll(async () => {
  for (const s of services) await s.stop();
  await dropSchema(schema);
});

function qualified(n: number, company = `Company ${n}`): LeadQualified {
  const leadId = `hubspot:contact:${n}`;
  return {
    leadId,
    qualificationId: `q-${leadId}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(n) },
    identity: { fullName: `Prospect ${n}`, email: `p${n}@example.com`, company, country: 'US' },
    firmographics: {},
    score: 72,
    threshold: 60,
    breakdown: [],
    highIntentSignals: [],
    summary: `Prospect ${n} asked for a demo.`,
    rulesVersion: 'test',
    qualifiedAt: '2026-11-23T15:00:00.000Z',
  };
}

function profile(n: number): LeadProfile {
  return {
    leadId: `hubspot:contact:${n}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(n) },
    change: 'created',
    occurredAt: '2026-11-23T14:00:00.000Z',
    identity: { email: `p${n}@example.com` },
    firmographics: {},
  };
}

describe('a service built with the kit', () => {
  let service: TestService;
  let publisher: EventPublisher;
  const clock = new ManualClock(new Date('2026-11-23T15:00:00Z'));

  it('starts through @nestjs/testing with a provider replaced, and serves health without a token', async () => {
    service = await startTestService(fixtureService, {
      base,
      providers: [{ provide: CLOCK, useValue: clock }],
    });
    services.push(service);
    expect(service.get(CLOCK)).toBe(clock);
    expect(service.get<LoadedPolicy<{ greeting: string }>>(SERVICE_POLICY).policy.greeting).toBe('hello');
    const live = await fetch(`${service.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toMatchObject({
      startup: 'up',
      database: 'up',
      kafka: 'up',
    });
    // Topics come from the contract registry: what routing consumes and produces, with DLQs.
    const admin = service.runtime.kafka.client.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(base.KAFKA_TOPIC_PREFIX));
    await admin.disconnect();
    for (const t of [Topics.LeadQualified, Topics.LeadProfile, Topics.LeadAssigned, Topics.CrmCommand])
      expect(topics).toContain(`${base.KAFKA_TOPIC_PREFIX}${t}`);
    expect(topics).not.toContain(`${base.KAFKA_TOPIC_PREFIX}${Topics.LeadEngagement}`);
  });

  it("adds a feature's readiness probes (ReadinessRegistry) to /health/ready", async () => {
    const probe = service.get<FixtureReadiness>(FixtureReadiness);
    const ready = async () => {
      const res = await fetch(`${service.url}/health/ready`);
      return {
        status: res.status,
        checks: ((await res.json()) as { checks: Record<string, string> }).checks,
      };
    };
    expect(await ready()).toMatchObject({ status: 200, checks: { fixture: 'up', database: 'up' } });
    probe.down = 'the fixture is not set up';
    expect(await ready()).toMatchObject({
      status: 503,
      checks: { fixture: 'down: the fixture is not set up', database: 'up' },
    });
    probe.down = undefined;
    expect((await ready()).status).toBe(200);
  });

  it('hands @OnEvent handlers their events, one at a time or in batches, through the service consumer group', async () => {
    const kafka = createKafka({
      brokers: base.KAFKA_BROKERS,
      clientId: 'kit-upstream',
      topicPrefix: base.KAFKA_TOPIC_PREFIX,
    });
    await waitForTopics(kafka, [Topics.LeadQualified, Topics.LeadProfile]);
    publisher = new EventPublisher(kafka, 'baton/scoring');
    await publisher.connect();
    await publisher.publish([
      { topic: Topics.LeadQualified, subject: 'hubspot:contact:1', data: qualified(1) },
      ...[1, 2, 3].map((n) => ({
        topic: Topics.LeadProfile,
        subject: `hubspot:contact:${n}`,
        data: profile(n),
      })),
    ]);
    const rows = await waitFor(async () => {
      const r = await query<{ topic: string; batch_size: number }>(
        `SELECT topic, batch_size FROM ${schema}.handled`,
      );
      return r.length === 4 ? r : undefined;
    });
    expect(rows.filter((r) => r.topic === Topics.LeadQualified)).toHaveLength(1);
    expect(rows.filter((r) => r.topic === Topics.LeadProfile)).toHaveLength(3);
    const groups = await service.runtime.kafka.client
      .admin()
      .describeGroups([`${base.KAFKA_TOPIC_PREFIX}baton-routing`]);
    expect(groups.groups[0].state).toBe('Stable');
  });

  it('keeps the handler error as thrown: a PermanentError goes to the DLQ at once, the next message is handled', async () => {
    await publisher.publish([
      { topic: Topics.LeadQualified, subject: 'hubspot:contact:66', data: qualified(66, POISON_COMPANY) },
      { topic: Topics.LeadQualified, subject: 'hubspot:contact:67', data: qualified(67) },
    ]);
    const dead = await readTopic(kafkaFor(base), Topics.LeadQualified, {
      dlq: true,
      until: (seen) => seen.length >= 1,
    });
    expect(dead[0].headers['x-baton-dlq-reason']).toContain('poison company');
    expect(dead[0].headers['x-baton-dlq-kind']).toBe('permanent');
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${schema}.handled WHERE lead_id = 'hubspot:contact:67'`)).length === 1,
    );
  });

  it('requires the API token on its own routes, exactly as "Bearer <token>", and answers bad parameters with 400', async () => {
    const path = `/handled/${encodeURIComponent('hubspot:contact:1')}`;
    expect((await fetch(`${service.url}${path}`)).status).toBe(401);
    expect(
      (await fetch(`${service.url}${path}`, { headers: { authorization: TEST_API_TOKEN } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}x` } }))
        .status,
    ).toBe(401);
    const ok = await service.fetch(path);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { greeting: string }).greeting).toBe('hello');
    const nul = await service.fetch('/handled/%00');
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as { message: string }).message).toContain('leadId');
    expect((await service.fetch(`/handled/${encodeURIComponent('hubspot:contact:999')}`)).status).toBe(404);
    // A route without its pipe: the database refuses the NUL, the client gets a 400, not a 500.
    const refused = await service.fetch('/unchecked/%00');
    expect(refused.status).toBe(400);
    const failed = await service.fetch('/unchecked/boom');
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain('fixture: an unexpected failure');
    await publisher.disconnect();
  });

  it('prunes dedupe rows past their retention (BATON_RETENTION_DAYS, or per table in BATON_RETENTION)', async () => {
    await query(
      `INSERT INTO ${schema}.processed_event (consumer, event_id, processed_at)
       VALUES ('kit', 'old', now() - interval '8 days'), ('kit', 'recent', now() - interval '1 day')`,
    );
    const round = await service.get<Housekeeper>(Housekeeper).runOnce();
    expect(round.deleted.processed_event).toBeGreaterThanOrEqual(1);
    const left = await query<{ event_id: string }>(
      `SELECT event_id FROM ${schema}.processed_event WHERE consumer = 'kit'`,
    );
    expect(left.map((r) => r.event_id)).toEqual(['recent']);
  });

  it('stops what it started: the consumer leaves its group, and the database connections close', async () => {
    await service.stop();
    const kafka = createKafka({
      brokers: base.KAFKA_BROKERS,
      clientId: 'kit-check',
      topicPrefix: base.KAFKA_TOPIC_PREFIX,
    });
    const admin = kafka.client.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([`${base.KAFKA_TOPIC_PREFIX}baton-routing`]);
    await admin.disconnect();
    expect(groups[0].members).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('rejects a retention for a table the service does not prune', async () => {
    await expect(
      startTestService(fixtureService, {
        base: isolatedEnv('kitret'),
        env: { BATON_RETENTION: 'write_log=2' },
      }),
    ).rejects.toThrow(/BATON_RETENTION: write_log not pruned by this service/);
  });

  it('names every bad key at once, consumer settings and the API token rule included', async () => {
    await expect(
      startTestService(fixtureService, {
        base: isolatedEnv('kitcfg'),
        env: { BATON_API_TOKEN: undefined, ROUTING_CONSUMER_BATCH: 'lots', KAFKA_BROKERS: 'nohost' },
      }),
    ).rejects.toThrow(/KAFKA_BROKERS[\s\S]*ROUTING_CONSUMER_BATCH[\s\S]*BATON_API_TOKEN/);
  });
});
