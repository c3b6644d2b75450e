import { afterEach, describe, expect, it } from 'vitest';
import { Topics, type LeadAssigned } from '@baton/domain';
import { ManualClock } from '@baton/platform';
import { withKafkaRetry } from '@baton/service-testing';
import { dropSchema, isolatedEnv, kafkaFor, query, readTopic } from '@baton/testing';
import { qualified, testPolicy } from '../../test/fixtures.js';
import { startRouting, upstreamPublisher } from '../../test/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('CRM text no store can hold', () => {
  it('a NUL and a lone surrogate in a name: the lead is still routed, with the text cleaned', async () => {
    const env = isolatedEnv('route-nul');
    cleanups.push(() => dropSchema(env.DATABASE_SCHEMA!));
    const routing = await startRouting(env, testPolicy(), new ManualClock(new Date('2026-11-23T15:00:00Z')));
    cleanups.push(routing.stop);
    const { publisher } = await upstreamPublisher(env, 'scoring');
    cleanups.push(() => publisher.disconnect());
    const lead = qualified(5);
    lead.identity = { ...lead.identity, fullName: 'Ada\u0000 Love\ud800lace', company: 'Null\u0000 Corp' };
    // Written as an older producer would, without cleaning: the consumer must cope.
    const envelope = {
      specversion: '1.0',
      id: 'dirty-1',
      source: 'baton/scoring',
      type: `baton.${Topics.LeadQualified}`,
      subject: lead.leadId,
      time: '2026-11-23T15:00:00.000Z',
      datacontenttype: 'application/json',
      data: lead,
    };
    await withKafkaRetry(() =>
      publisher.sendRaw(Topics.LeadQualified, [{ key: lead.leadId, value: JSON.stringify(envelope) }]),
    );
    const assigned = await withKafkaRetry(() =>
      readTopic(kafkaFor(env), Topics.LeadAssigned, { until: (s) => s.length >= 1, timeoutMs: 30_000 }),
    );
    const a = assigned[0].json<{ data: LeadAssigned }>().data;
    expect(a.lead.identity.fullName).toBe('Ada Love\ufffdlace');
    expect(a.lead.identity.company).toBe('Null Corp');
    const rows = await query(`SELECT lead_id FROM ${env.DATABASE_SCHEMA}.assignment`);
    expect(rows).toHaveLength(1);
    const dead = await readTopic(kafkaFor(env), Topics.LeadQualified, {
      dlq: true,
      until: () => true,
      timeoutMs: 2_000,
    });
    expect(dead).toHaveLength(0);
  });
});
