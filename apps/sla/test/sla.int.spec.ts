import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { Topics, type EventOf, type NewEvent } from '@baton/domain';
import { EventPublisher, createKafka } from '@baton/kafka';
import { schemaDrift } from '@baton/persistence';
import { CLOCK, ManualClock } from '@baton/platform';
import { startTestService, waitForTopics, type TestService } from '@baton/service-testing';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { slaService } from '../src/sla.service.js';

const base = isolatedEnv('sla');
const schema = base.DATABASE_SCHEMA!;
const clock = new ManualClock(new Date('2026-11-23T15:05:00.000Z'));
const leadId = 'hubspot:contact:51';

/** A valid lead.activity.v1 event (the publisher checks it against the registry's schema). */
function deadlines(leadId: string): EventOf<typeof Topics.LeadActivity> {
  return {
    leadId,
    crm: { provider: 'hubspot', objectType: 'contact', id: '51' },
    kind: 'call_logged',
    occurredAt: '2026-11-23T15:10:00.000Z',
    sourceEventId: 'call-1',
    actorOwnerId: '9001',
    actor: { kind: 'person', ownerId: '9001' },
  };
}

function event(id: string, time: string): NewEvent<typeof Topics.LeadActivity> {
  return { id, topic: Topics.LeadActivity, subject: leadId, data: deadlines(leadId), time: new Date(time) };
}

let service: TestService;
let upstream: EventPublisher;

/** The consumer's counters in /metrics (baton_consumer_<what>_total), the non-zero ones. */
async function consumerCounts(): Promise<Record<string, number>> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, what, n] of text.matchAll(/^baton_consumer_(\w+)_total\{[^}]*\} (\d+)$/gm)) {
    if (Number(n) > 0) counts[what] = (counts[what] ?? 0) + Number(n);
  }
  return counts;
}

beforeAll(async () => {
  service = await startTestService(slaService, { base, providers: [{ provide: CLOCK, useValue: clock }] });
  const kafka = createKafka({
    brokers: base.KAFKA_BROKERS,
    clientId: 'sla-upstream',
    topicPrefix: base.KAFKA_TOPIC_PREFIX,
  });
  await waitForTopics(kafka, [Topics.LeadActivity]);
  upstream = new EventPublisher(kafka, 'baton/crm-connector');
  await upstream.connect();
});

afterAll(async () => {
  await upstream?.disconnect();
  await service?.stop();
  await dropSchema(schema);
});

describe('sla', () => {
  it('stores a lead.activity.v1 event once, also when it is delivered twice', async () => {
    const first = event('deadlines-1', '2026-11-23T15:00:00.000Z');
    // A redelivery (the same event twice), then a later event on the same key: once that one is
    // stored, both copies before it on the partition have been handled.
    await upstream.publish([first, first, event('deadlines-2', '2026-11-23T14:00:00.000Z')]);
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${schema}.deadlines WHERE event_id = $1`, ['deadlines-2'])).length === 1,
      30_000,
      'the second event stored',
    );
    const rows = await query(`SELECT event_id, lead_id, late FROM ${schema}.deadlines ORDER BY event_id`);
    expect(rows).toEqual([
      { event_id: 'deadlines-1', lead_id: leadId, late: false },
      { event_id: 'deadlines-2', lead_id: leadId, late: true },
    ]);
    // The copy was handled (claimed, skipped), not failed and retried into the dead-letter topic.
    expect(await consumerCounts()).toEqual({ messages: 3 });
  });

  it("serves a lead's events at GET /leads/:leadId/deadlines, to API token holders only", async () => {
    const path = `/leads/${encodeURIComponent(leadId)}/deadlines`;
    expect((await fetch(`${service.url}${path}`)).status).toBe(401);
    const ok = await service.fetch(path);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { leadId: string; events: { eventId: string; late: boolean }[] };
    expect(body.events).toMatchObject([
      { eventId: 'deadlines-1', late: false },
      { eventId: 'deadlines-2', late: true },
    ]);
    const bad = await service.fetch('/leads/%00/deadlines');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('leadId');
    expect(
      (await service.fetch(`/leads/${encodeURIComponent('hubspot:contact:404')}/deadlines`)).status,
    ).toBe(404);
  });

  it('has entities that describe the tables its migrations made', async () => {
    expect(await schemaDrift(service.get<DataSource>(DataSource))).toEqual([]);
  });
});
