import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Topics, type LeadQualified } from '@baton/domain';
import { EventPublisher, createKafka } from '@baton/kafka';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { fixtureService } from '../test/fixture/fixture.service.js';
import { startTestService, type TestService } from './test-service.js';
import { waitForTopics } from './topics.js';

const services: TestService[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const s of services) await s.stop();
  for (const s of schemas) await dropSchema(s);
});

function qualified(n: number): LeadQualified {
  const leadId = `hubspot:contact:${n}`;
  return {
    leadId,
    qualificationId: `q-${leadId}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(n) },
    identity: { email: `p${n}@example.com` },
    firmographics: {},
    score: 72,
    threshold: 60,
    breakdown: [],
    highIntentSignals: [],
    summary: 'asked for a demo',
    rulesVersion: 'test',
    qualifiedAt: '2026-11-23T15:00:00.000Z',
  };
}

async function readiness(s: TestService): Promise<{ status: number; body: string }> {
  const res = await fetch(`${s.url}/health/ready`);
  return { status: res.status, body: await res.text() };
}

describe('readiness tells the truth', () => {
  it('is false, naming the outbox, while events wait longer than the threshold, and true again once they go', async () => {
    const base = isolatedEnv('readyout');
    schemas.push(base.DATABASE_SCHEMA!);
    const service = await startTestService(fixtureService, {
      base,
      env: { BATON_READY_OUTBOX_AGE_SECONDS: '1' },
    });
    services.push(service);
    expect((await readiness(service)).status).toBe(200);
    // Another holder of the relay's lock: the relay cannot publish, the event waits.
    const holder = new pg.Client({ connectionString: base.DATABASE_URL });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(hashtext($1))`, [`baton.outbox.${base.DATABASE_SCHEMA}`]);
    try {
      await service.runtime.transaction((em) =>
        service.runtime.outbox.enqueue(em, [
          { topic: Topics.LeadQualified, subject: 'hubspot:contact:1', data: qualified(1) },
        ]),
      );
      const down = await waitFor(
        async () => {
          const r = await readiness(service);
          return r.status === 503 ? r : undefined;
        },
        20_000,
        'readiness to go false',
      );
      expect(down.body).toContain('outbox');
      expect(down.body).toMatch(/oldest event waits \d+ s/);
    } finally {
      await holder.end();
    }
    await waitFor(async () => (await readiness(service)).status === 200, 20_000, 'readiness back');
  });
});

describe('a broker whose topics vanish under a running service', () => {
  it('is recovered without a restart: topics re-created, consuming resumes, ready again', async () => {
    const base = isolatedEnv('wiped');
    schemas.push(base.DATABASE_SCHEMA!);
    const service = await startTestService(fixtureService, { base });
    services.push(service);
    const kafka = createKafka({
      brokers: base.KAFKA_BROKERS,
      clientId: 'wipe',
      topicPrefix: base.KAFKA_TOPIC_PREFIX,
    });
    const admin = kafka.client.admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(base.KAFKA_TOPIC_PREFIX));
    await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    await admin.disconnect();
    const seen: number[] = [];
    // The service finds them gone, creates them again and resumes.
    await waitFor(
      async () => {
        const r = await readiness(service);
        seen.push(r.status);
        const a = kafka.client.admin();
        await a.connect();
        const back = (await a.listTopics()).filter((t) => t.startsWith(base.KAFKA_TOPIC_PREFIX)).length;
        await a.disconnect();
        return back >= mine.length && r.status === 200;
      },
      90_000,
      'topics re-created and the service ready',
    );
    console.log(`[kit] readiness while recovering: ${[...new Set(seen)].join(', ')}`);
    await waitForTopics(kafka, [Topics.LeadQualified]);
    const publisher = new EventPublisher(kafka, 'baton/scoring');
    await publisher.connect();
    await publisher.publish([
      { topic: Topics.LeadQualified, subject: 'hubspot:contact:9', data: qualified(9) },
    ]);
    await publisher.disconnect();
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${base.DATABASE_SCHEMA}.handled WHERE lead_id = 'hubspot:contact:9'`))
          .length === 1,
      60_000,
      'the event published after the wipe to be handled',
    );
  });
});
