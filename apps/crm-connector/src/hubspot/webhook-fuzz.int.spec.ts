import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Topics } from '@baton/domain';
import { signHubSpotV3, type HubSpotSandbox } from '@baton/crm-sandbox';
import { domainEvents, tearDown, type RunningConnector } from '../../test/harness.js';
import { startHubSpotConnector } from '../../test/hubspot.js';

/** Batches generated and sent; each is one signed request to the real endpoint. */
const RUNS = 10_000;
/** Requests in flight at once. */
const BURST = 25;
/** The statuses HubSpot does not retry besides 2xx: anything else (5xx, 413, 429) would come back for days. */
const FINAL = new Set([400, 401, 403, 404, 405]);

let hubspot: HubSpotSandbox;
let running: RunningConnector;
let webhookUrl: string;

beforeAll(async () => {
  ({ hubspot, running } = await startHubSpotConnector('hsfuzz', {
    sandbox: { clientSecret: 'fuzz-secret', appId: 4242 },
    vars: {
      HUBSPOT_CLIENT_SECRET: 'fuzz-secret',
      HUBSPOT_APP_ID: '4242',
      HUBSPOT_RATE_LIMIT: '1000',
      WEBHOOK_MAX_BODY_BYTES: '65536',
    },
  }));
  webhookUrl = `${running.url}/webhooks/hubspot`;
}, 120_000);

afterAll(() => tearDown(running, hubspot), 60_000);

const now = Date.now();
const hostileText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000b', '\u0007\u001b', 'x\ud83d', '\ufeff', ''),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const hugeNumber = fc.constantFrom(
  8.64e15 + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  1e300,
  -1,
  -8.64e15 - 1,
  0,
  0.5,
  Number.MIN_VALUE,
);
// Ids far from the sandbox's own (it numbers its events and contacts from small numbers up).
const eventId = fc.oneof(
  fc.integer({ min: 1e12, max: 1e12 + 200 }), // a small pool: duplicates within and across batches
  fc.integer({ min: 1e12, max: 9e15 }),
  fc.bigInt({ min: 10n ** 12n, max: 10n ** 20n - 1n }).map(String),
);
const objectId = fc.integer({ min: 1e9, max: 1e9 + 30 });
const subscriptionType = fc.constantFrom(
  'contact.creation',
  'contact.propertyChange',
  'contact.deletion',
  'contact.merge',
  'contact.associationChange',
  'deal.creation',
);
const valid = fc.record(
  {
    eventId,
    subscriptionType,
    objectId,
    occurredAt: fc.integer({ min: now - 86_400_000, max: now }),
    portalId: fc.constant(62515),
    attemptNumber: fc.nat(10),
    changeSource: fc.constantFrom('CRM_UI', 'INTEGRATION', 'API', 'IMPORT'),
    sourceId: fc.oneof(fc.constant('userId:9001'), fc.constant('4242')),
    propertyName: fc.constantFrom('firstname', 'hs_lead_status', 'lifecyclestage', 'hubspot_owner_id'),
    propertyValue: fc.oneof(hostileText, fc.constant(null)),
    primaryObjectId: objectId,
    mergedObjectIds: fc.array(objectId, { maxLength: 3 }),
  },
  { requiredKeys: ['eventId', 'subscriptionType', 'objectId', 'occurredAt'] },
);
/** Nesting from a few levels to far past the cap, built as text (no recursion anywhere). */
const nested = fc
  .integer({ min: 1, max: 3_000 })
  .map((depth) => ({ depth, text: `${'['.repeat(depth)}1${']'.repeat(depth)}` }));
/** A valid event with one field broken: a wrong type, a huge number, hostile text or deep nesting. */
const broken = fc
  .tuple(
    valid,
    fc.constantFrom(
      'eventId',
      'objectId',
      'occurredAt',
      'subscriptionType',
      'propertyValue',
      'mergedObjectIds',
    ),
    fc.oneof(hugeNumber, hostileText, fc.jsonValue({ maxDepth: 3 }), fc.constant(null)),
  )
  .map(([e, key, value]) => ({ ...e, [key]: value }));
type Part = { json: unknown } | { text: string };
const event: fc.Arbitrary<Part> = fc.oneof(
  { weight: 4, arbitrary: valid.map((json) => ({ json })) },
  { weight: 3, arbitrary: broken.map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((json) => ({ json })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(valid, nested)
      .map(([e, n]) => ({ text: `${JSON.stringify(e).slice(0, -1)},"deep":${n.text}}` })),
  },
);
const body: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .array(event, { minLength: 1, maxLength: 4 })
      .map((parts) => `[${parts.map((p) => ('text' in p ? p.text : JSON.stringify(p.json))).join(',')}]`),
  },
  // Not a batch at all: an object, a scalar, an empty array, truncated JSON, random text.
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.constantFrom('[]', '[', '{"a":', '', '\u0000', '[1,2,3]', '[null]', '[[]]') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 50 }) },
);

async function post(raw: string): Promise<number> {
  const ts = Date.now();
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signHubSpotV3('fuzz-secret', 'POST', webhookUrl, raw, ts),
      'x-hubspot-request-timestamp': String(ts),
    },
    body: raw,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('webhook fuzzing', () => {
  it(`answers ${RUNS} generated signed batches with 2xx or a final 4xx, never 5xx, and the inbox keeps draining`, async () => {
    const bodies = fc.sample(body, { numRuns: RUNS, seed: 20261201 });
    const statuses = new Map<number, number>();
    const retried: { status: number; body: string }[] = [];
    for (let i = 0; i < bodies.length; i += BURST) {
      const burst = bodies.slice(i, i + BURST);
      const answers = await Promise.all(burst.map(post));
      answers.forEach((status, j) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (!(status >= 200 && status < 300) && !FINAL.has(status))
          retried.push({ status, body: burst[j].slice(0, 300) });
      });
    }
    expect(retried.slice(0, 5)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 2);

    // The inbox still turns a valid event into lead.profile.v1 after all that.
    const c = hubspot.createContact({ firstname: 'Final', lastname: 'Check', email: 'final@check.example' });
    const last = await hubspot.sendWebhook(webhookUrl, [
      hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) }),
    ]);
    expect(last.status).toBe(200);
    const profiles = await domainEvents(
      running.env,
      Topics.LeadProfile,
      (e) => e.some((p) => p.subject === `hubspot:contact:${c.id}`),
      60_000,
    );
    expect(profiles.some((p) => p.subject === `hubspot:contact:${c.id}`)).toBe(true);
  }, 150_000);
});
