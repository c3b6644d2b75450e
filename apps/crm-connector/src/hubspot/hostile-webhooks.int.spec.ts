import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { signHubSpotV3, type HubSpotSandbox } from '@baton/crm-sandbox';
import { query } from '@baton/testing';
import { domainEvents, tearDown, type RunningConnector } from '../../test/harness.js';
import { startHubSpotConnector } from '../../test/hubspot.js';

let hubspot: HubSpotSandbox;
let running: RunningConnector;
let webhookUrl: string;

beforeAll(async () => {
  ({ hubspot, running } = await startHubSpotConnector('hshostile', {
    sandbox: { clientSecret: 'test-secret', appId: 4242 },
    vars: { HUBSPOT_CLIENT_SECRET: 'test-secret', HUBSPOT_APP_ID: '4242' },
  }));
  webhookUrl = `${running.url}/webhooks/hubspot`;
}, 120_000);

afterAll(() => tearDown(running, hubspot), 60_000);

/** Posts a body exactly as written, signed as HubSpot signs it. */
function postSigned(body: string): Promise<Response> {
  const ts = Date.now();
  return fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signHubSpotV3('test-secret', 'POST', webhookUrl, body, ts),
      'x-hubspot-request-timestamp': String(ts),
    },
    body,
  });
}

function newContact(props: Record<string, string> = {}) {
  return hubspot.createContact({
    firstname: 'Grace',
    lastname: 'Hopper',
    email: `grace${Math.random()}@navy.example`,
    company: 'Navy',
    ...props,
  });
}

const creation = (id: string, extra: Record<string, unknown> = {}) => ({
  ...hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(id) }),
  ...extra,
});

async function rejectedRows(eventIds: string[]) {
  return query<{ event_id: string; reason: string; raw: string }>(
    `SELECT event_id, reason, raw FROM ${running.env.DATABASE_SCHEMA}.hubspot_inbox_rejected
      WHERE event_id = ANY($1::text[]) ORDER BY id`,
    [eventIds],
  );
}

function profileOf(id: string) {
  return domainEvents<{ change: string; identity: { firstName?: string } }>(
    running.env,
    Topics.LeadProfile,
    (e) => e.some((p) => p.subject === `hubspot:contact:${id}`),
    60_000,
  ).then((events) => events.find((p) => p.subject === `hubspot:contact:${id}`)!);
}

describe('hostile webhook batches', () => {
  it('sets aside an event whose occurredAt no date can hold, and the events after it still come through', async () => {
    const jam = newContact();
    const jammed = creation(jam.id, { occurredAt: 8.64e15 + 12_345 });
    const huge = creation(jam.id, { occurredAt: Number.MAX_SAFE_INTEGER });
    const first = await hubspot.sendWebhook(webhookUrl, [jammed, huge]);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ accepted: 0, rejected: 2 });

    const ok = newContact();
    const valid = creation(ok.id);
    expect((await hubspot.sendWebhook(webhookUrl, [valid])).status).toBe(200);
    expect((await profileOf(ok.id)).data.change).toBe('created');
    const rows = await rejectedRows([String(jammed.eventId), String(huge.eventId)]);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.reason).toMatch(/occurredAt .* outside 2000-01-01/);
  }, 120_000);

  it('stores and emits the valid event of a batch with NUL, a lone surrogate and deep nesting; cleans the strings, sets the deep one aside', async () => {
    const withNul = newContact();
    const withSurrogate = newContact();
    const deepContact = newContact();
    const valid = newContact();
    const nul = creation(withNul.id, { changeSource: 'CRM_UI\u0000', note: 'a\u0000b' });
    const surrogate = creation(withSurrogate.id, { sourceId: 'userId:1\ud800' });
    const deep = creation(deepContact.id);
    const good = creation(valid.id);
    const nesting = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const body =
      `[${JSON.stringify(nul)},${JSON.stringify(surrogate)},` +
      `${JSON.stringify(deep).slice(0, -1)},"nested":${nesting}},${JSON.stringify(good)}]`;
    expect(body).toContain('\\u0000');
    expect(body).toContain('\\ud800');
    const res = await postSigned(body);
    expect(res.status).toBe(200);
    // NUL and the lone surrogate are cleaned and their events kept; the deep one is set aside.
    expect(await res.json()).toMatchObject({ accepted: 3, duplicates: 0, rejected: 1 });

    expect((await profileOf(valid.id)).data.change).toBe('created');
    expect((await profileOf(withNul.id)).data.change).toBe('created');
    expect((await profileOf(withSurrogate.id)).data.change).toBe('created');
    const [stored] = await query<{ payload: { note: string; changeSource: string } }>(
      `SELECT payload FROM ${running.env.DATABASE_SCHEMA}.hubspot_inbox WHERE event_id = $1`,
      [String(nul.eventId)],
    );
    expect(stored.payload).toMatchObject({ note: 'ab', changeSource: 'CRM_UI' });
    const [aside] = await rejectedRows([String(deep.eventId)]);
    expect(aside.reason).toBe('nested deeper than 16 levels');
    expect(aside.raw.length).toBeLessThanOrEqual(8_192);
  }, 120_000);

  it('sets aside an event whose contact the CRM answers malformed after 3 failed rounds; the rest of the inbox moves on', async () => {
    const poison = newContact();
    const fine = newContact();
    hubspot.malformContact(poison.id);
    try {
      const bad = creation(poison.id);
      const good = creation(fine.id);
      expect((await hubspot.sendWebhook(webhookUrl, [bad, good])).status).toBe(200);
      expect((await profileOf(fine.id)).data.change).toBe('created');
      const deadline = Date.now() + 60_000;
      let rows = await rejectedRows([String(bad.eventId)]);
      while (rows.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        rows = await rejectedRows([String(bad.eventId)]);
      }
      expect(rows).toHaveLength(1);
      expect(rows[0].reason).toMatch(/^failed 3 rounds: /);
      expect(JSON.parse(rows[0].raw)).toMatchObject({ eventId: bad.eventId, objectId: Number(poison.id) });
      const [{ n }] = await query<{ n: string }>(
        `SELECT count(*) AS n FROM ${running.env.DATABASE_SCHEMA}.hubspot_inbox WHERE processed_at IS NULL`,
      );
      expect(Number(n)).toBe(0);
    } finally {
      hubspot.restoreContact(poison.id);
    }
    // Later events keep flowing.
    const after = newContact();
    expect((await hubspot.sendWebhook(webhookUrl, [creation(after.id)])).status).toBe(200);
    expect((await profileOf(after.id)).data.change).toBe('created');
  }, 120_000);

  it('sets aside a contact whose engagement read always fails after 3 reads; the other due contacts are read', async () => {
    const poison = newContact();
    const fine = newContact();
    hubspot.rejectEventsOf(poison.id);
    for (const c of [poison, fine])
      hubspot.addEvent({
        objectId: c.id,
        eventType: 'e_visited_page',
        properties: { hs_url: 'https://www.example.com/pricing', hs_page_title: 'Pricing' },
      });
    try {
      expect((await hubspot.sendWebhook(webhookUrl, [creation(poison.id), creation(fine.id)])).status).toBe(
        200,
      );
      const seen = await domainEvents(
        running.env,
        Topics.LeadEngagement,
        (e) => e.some((x) => x.subject === `hubspot:contact:${fine.id}`),
        60_000,
      );
      expect(seen.some((x) => x.subject === `hubspot:contact:${fine.id}`)).toBe(true);
      const deadline = Date.now() + 60_000;
      const aside = () =>
        query<{ reason: string }>(
          `SELECT reason FROM ${running.env.DATABASE_SCHEMA}.hubspot_inbox_rejected WHERE object_id = $1`,
          [poison.id],
        );
      let rows = await aside();
      while (rows.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        rows = await aside();
      }
      expect(rows).toHaveLength(1);
      expect(rows[0].reason).toMatch(/^hubspot_engagement_due: failed 3 reads: PermanentError/);
      const [{ n }] = await query<{ n: string }>(
        `SELECT count(*) AS n FROM ${running.env.DATABASE_SCHEMA}.hubspot_engagement_due`,
      );
      expect(Number(n)).toBe(0);
    } finally {
      hubspot.restoreContact(poison.id);
    }
  }, 120_000);
});
