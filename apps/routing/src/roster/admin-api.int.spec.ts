import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type LeadProfile } from '@baton/domain';
import type { EventPublisher } from '@baton/kafka';
import { ManualClock } from '@baton/platform';
import { withKafkaRetry } from '@baton/service-testing';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { qualified, testPolicy } from '../../test/fixtures.js';
import { startRouting, upstreamPublisher, type RoutingInstance } from '../../test/harness.js';

const TOKEN = 'sales-ops-token-0123456789';
const env = isolatedEnv('route-admin');
const clock = new ManualClock(new Date('2026-11-23T15:00:00Z'));
let routing: RoutingInstance;
let base: string;
let publisher: EventPublisher;

beforeAll(async () => {
  // Started with the settings' old names (deprecated, still accepted for one release).
  routing = await startRouting(env, testPolicy(), clock, {
    env: { BATON_API_TOKEN: undefined, ROUTING_ADMIN_TOKEN: TOKEN, ROUTING_MAX_BATCH: '100' },
  });
  base = routing.url;
  publisher = (await upstreamPublisher(env, 'scoring')).publisher;
});

afterAll(async () => {
  await publisher?.disconnect();
  await routing?.stop();
  await dropSchema(env.DATABASE_SCHEMA!);
});

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { [k: string]: never } };
}

async function assignedRep(leadId: string): Promise<string> {
  const rows = await waitFor(
    async () => {
      const r = await query(
        `SELECT rep_id FROM ${env.DATABASE_SCHEMA}.assignment WHERE lead_id = $1 AND current`,
        [leadId],
      );
      return r.length ? r : undefined;
    },
    30_000,
    `assignment of ${leadId}`,
  );
  return rows[0].rep_id as string;
}

describe('roster admin API and "why did I get this lead?"', () => {
  it('refuses changes without the admin token and explains a bad body', async () => {
    expect((await call('PATCH', '/roster/reps/alice', { active: false }, null)).status).toBe(401);
    expect(
      (await call('PATCH', '/roster/reps/alice', { active: false }, 'wrong-token-0123456789abc')).status,
    ).toBe(401);
    const bad = await call('PATCH', '/roster/reps/alice', { weight: 0 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('weight');
    expect((await call('PATCH', '/roster/reps/nobody', { active: false })).status).toBe(404);
  });

  it('applies out of office at once, and back early at once', async () => {
    const away = await call('PUT', '/roster/reps/alice/availability', {
      awayUntil: '2026-11-30T00:00:00Z',
      note: 'vacation',
      changedBy: 'ops@example.com',
    });
    expect(away.status).toBe(200);
    expect(away.body).toMatchObject({
      id: 'alice',
      awayFrom: '2026-11-23T15:00:00.000Z',
      awayUntil: '2026-11-30T00:00:00.000Z',
      now: { away: true },
    });

    await withKafkaRetry(() =>
      publisher.publish([
        { topic: Topics.LeadQualified, subject: 'hubspot:contact:11', data: qualified(11) },
      ]),
    );
    expect(await assignedRep('hubspot:contact:11')).not.toBe('alice');

    const why = await call('GET', `/leads/${encodeURIComponent('hubspot:contact:11')}/assignment`);
    expect(why.status).toBe(200);
    const current = why.body.current as unknown as {
      repId: string;
      reason: string;
      audit: { pools: { candidates: { repId: string; skipped?: string; detail?: string }[] }[] };
    };
    expect(current.reason).toContain('skipped Alice (away)');
    expect(current.audit.pools[0].candidates[0]).toMatchObject({
      repId: 'alice',
      skipped: 'away',
      detail: 'out of office until 2026-11-30T00:00:00.000Z',
    });

    const back = await call('POST', '/roster/reps/alice/back', {});
    expect(back.body).toMatchObject({ id: 'alice', now: { away: false } });
    await withKafkaRetry(() =>
      publisher.publish([
        { topic: Topics.LeadQualified, subject: 'hubspot:contact:12', data: qualified(12) },
      ]),
    );
    await assignedRep('hubspot:contact:12');
    const after = await call('GET', `/leads/hubspot:contact:12/assignment`);
    const candidates = (
      after.body.current as unknown as {
        audit: { pools: { candidates: { repId: string; eligible: boolean }[] }[] };
      }
    ).audit.pools[0].candidates;
    expect(candidates.find((c) => c.repId === 'alice')?.eligible).toBe(true);

    const history = await call('GET', '/roster/reps/alice');
    expect((history.body.changes as unknown as { changedBy: string }[]).map((c) => c.changedBy)).toEqual([
      'admin-api',
      'ops@example.com',
    ]);
  });

  it('routes nothing to a rep switched off, and shows the pools with their rotation credits', async () => {
    expect((await call('PATCH', '/roster/reps/bob', { active: false })).body).toMatchObject({
      active: false,
    });
    for (const n of [21, 22, 23, 24])
      await withKafkaRetry(() =>
        publisher.publish([
          { topic: Topics.LeadQualified, subject: `hubspot:contact:${n}`, data: qualified(n) },
        ]),
      );
    const reps = await Promise.all([21, 22, 23, 24].map((n) => assignedRep(`hubspot:contact:${n}`)));
    expect(reps).not.toContain('bob');
    const pools = await call('GET', '/roster/pools');
    expect(pools.status).toBe(200);
    expect(JSON.stringify(pools.body)).toContain('"credits"');
    expect((await call('GET', '/leads/hubspot:contact:999/assignment')).status).toBe(404);
  });

  it('keeps a lead with the owner the CRM profile names (lead.profile is stored and used)', async () => {
    const profile: LeadProfile = {
      leadId: 'hubspot:contact:31',
      crm: { provider: 'hubspot', objectType: 'contact', id: '31' },
      change: 'updated',
      occurredAt: '2026-11-23T14:00:00.000Z',
      identity: { country: 'US', state: 'CA' },
      firmographics: { industry: 'software' },
      ownerId: '103',
    };
    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadProfile, subject: profile.leadId, data: profile }]),
    );
    await waitFor(
      async () =>
        (
          await query(`SELECT 1 FROM ${env.DATABASE_SCHEMA}.lead_profile WHERE lead_id = $1`, [
            profile.leadId,
          ])
        ).length === 1,
      30_000,
      'profile',
    );
    await withKafkaRetry(() =>
      publisher.publish([{ topic: Topics.LeadQualified, subject: profile.leadId, data: qualified(31) }]),
    );
    expect(await assignedRep(profile.leadId)).toBe('carol');
    const why = await call('GET', `/leads/hubspot:contact:31/assignment`);
    expect((why.body.current as unknown as { strategy: string; reason: string }).reason).toBe(
      'Kept with Carol, who already owns this lead (rule keep-owner).',
    );
  });

  it('requires the API token on every route but health, and answers bad path parameters with 400, never 500', async () => {
    // ROUTING_ADMIN_TOKEN became BATON_API_TOKEN: reads need it too now.
    expect((await call('GET', '/roster/reps', undefined, null)).status).toBe(401);
    expect((await call('GET', '/leads/hubspot:contact:11/assignment', undefined, null)).status).toBe(401);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    for (const path of ['/roster/reps/%00', '/leads/%00/assignment', '/leads/hubspot%00contact/assignment']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(400);
    }
    expect((await call('PATCH', '/roster/reps/%00', { active: false })).status).toBe(400);
    expect((await call('PUT', '/roster/reps/a%00b/availability', {})).status).toBe(400);
    expect((await call('GET', '/roster/reps/nobody')).status).toBe(404);
    expect(
      (await call('GET', `/leads/${encodeURIComponent('salesforce:Lead:00Q1')}/assignment`)).status,
    ).toBe(404);
  });
});
