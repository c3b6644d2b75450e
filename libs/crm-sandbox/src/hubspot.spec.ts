import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Signature } from '@hubspot/api-client';
import {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  HUBSPOT_ASSOCIATION,
  HUBSPOT_INDUSTRIES,
  hubspotSignatureUri,
  startHubSpotSandbox,
  type HubSpotSandbox,
} from './index.js';

/** The SDK's errors carry `code` (HTTP status), `body` and `headers`. */
interface SdkError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

describe('HubSpot sandbox through @hubspot/api-client', () => {
  let sandbox: HubSpotSandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ clientSecret: 'test-secret' });
    client = new Client({ accessToken: 'pat-sandbox', basePath: sandbox.baseUrl });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.resetRateLimit());

  it('reads a contact by id with the requested properties', async () => {
    const created = sandbox.createContact({
      email: 'lena@acme.test',
      firstname: 'Lena',
      lastname: 'Meyer',
      company: 'Acme',
    });
    const contact = await client.crm.contacts.basicApi.getById(created.id, ['email', 'company', 'jobtitle']);
    expect(contact.id).toBe(created.id);
    expect(contact.properties).toMatchObject({
      email: 'lena@acme.test',
      company: 'Acme',
      jobtitle: null,
      hs_object_id: created.id,
    });
    expect(contact.properties.firstname).toBeUndefined();
    expect(contact.createdAt).toBeInstanceOf(Date);

    const plain = await client.crm.contacts.basicApi.getById(created.id);
    expect(Object.keys(plain.properties).sort()).toEqual([
      'createdate',
      'email',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
      'lastname',
    ]);
  });

  it('answers 404 with a HubSpot error body for an unknown contact', async () => {
    const err = await sdkError(client.crm.contacts.basicApi.getById('999999'));
    expect(err.code).toBe(404);
    expect(err.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('updates lifecycle stage, lead status and owner, and validates values like HubSpot', async () => {
    const c = sandbox.createContact({ email: 'max@beta.test', firstname: 'Max' });
    const updated = await client.crm.contacts.basicApi.update(c.id, {
      properties: { lifecyclestage: 'salesqualifiedlead', hs_lead_status: 'OPEN', hubspot_owner_id: '1002' },
    });
    expect(updated.properties).toMatchObject({
      lifecyclestage: 'salesqualifiedlead',
      hs_lead_status: 'OPEN',
      hubspot_owner_id: '1002',
    });
    expect(sandbox.contacts.get(c.id)!.properties.hubspot_owner_id).toBe('1002');

    const badStage = await sdkError(
      client.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: 'hot' } }),
    );
    expect(badStage.code).toBe(400);
    expect(badStage.body.category).toBe('VALIDATION_ERROR');
    expect(String(badStage.body.message)).toContain('INVALID_OPTION');

    const badOwner = await sdkError(
      client.crm.contacts.basicApi.update(c.id, { properties: { hubspot_owner_id: '4242' } }),
    );
    expect(String(badOwner.body.message)).toContain('INVALID_OWNER_ID');

    const unknown = await sdkError(
      client.crm.contacts.basicApi.update(c.id, { properties: { baton_score: '80' } }),
    );
    expect(String(unknown.body.message)).toContain('PROPERTY_DOESNT_EXIST');
  });

  it('batch-reads contacts in one call and reports missing ids with 207', async () => {
    const a = sandbox.createContact({ email: 'a@batch.test' });
    const b = sandbox.createContact({ email: 'b@batch.test' });
    const before = sandbox.requests.length;
    const all = await client.crm.contacts.batchApi.read({
      inputs: [{ id: a.id }, { id: b.id }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(all.status).toBe('COMPLETE');
    expect(all.results.map((r) => r.properties.email).sort()).toEqual(['a@batch.test', 'b@batch.test']);
    expect(sandbox.requests.length - before).toBe(1);

    const partial = await client.crm.contacts.batchApi.read({
      inputs: [{ id: a.id }, { id: '424242' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(partial.results).toHaveLength(1);
    expect(sandbox.requests.at(-1)!.status).toBe(207);
    expect(JSON.stringify(partial)).toContain('424242');
  });

  it('lists owners and creates a custom contact property once', async () => {
    const owners = await client.crm.owners.ownersApi.getPage();
    expect(owners.results.map((o) => o.email)).toContain('ada.rep@example.com');
    expect(owners.results[0]).toMatchObject({ id: '1001', firstName: 'Ada', userId: 9001 });

    const byEmail = await client.crm.owners.ownersApi.getPage('ben.rep@example.com');
    expect(byEmail.results.map((o) => o.id)).toEqual(['1002']);

    const created = await client.crm.properties.coreApi.create('contacts', {
      name: 'baton_handoff_summary',
      label: 'Baton handoff summary',
      type: PropertyCreateTypeEnum.String,
      fieldType: PropertyCreateFieldTypeEnum.Textarea,
      groupName: 'contactinformation',
    });
    expect(created.name).toBe('baton_handoff_summary');
    const read = await client.crm.properties.coreApi.getByName('contacts', 'baton_handoff_summary');
    expect(read.label).toBe('Baton handoff summary');
    const again = await sdkError(
      client.crm.properties.coreApi.create('contacts', {
        name: 'baton_handoff_summary',
        label: 'x',
        type: PropertyCreateTypeEnum.String,
        fieldType: PropertyCreateFieldTypeEnum.Textarea,
        groupName: 'contactinformation',
      }),
    );
    expect(again.code).toBe(409);
  });

  it("updates a custom property's options, but not a HubSpot-defined property", async () => {
    await client.crm.properties.coreApi.create('contacts', {
      name: 'baton_disqualification_reason',
      label: 'Reason',
      type: PropertyCreateTypeEnum.Enumeration,
      fieldType: PropertyCreateFieldTypeEnum.Select,
      groupName: 'contactinformation',
      options: [{ label: 'Timing', value: 'timing', displayOrder: 0, hidden: false }],
    });
    const updated = await client.crm.properties.coreApi.update('contacts', 'baton_disqualification_reason', {
      options: [
        { label: 'Timing', value: 'timing', displayOrder: 0, hidden: false },
        { label: 'Budget', value: 'budget', displayOrder: 1, hidden: false },
      ],
    });
    expect(updated.options.map((o) => o.value)).toEqual(['timing', 'budget']);
    const refused = await sdkError(
      client.crm.properties.coreApi.update('contacts', 'lifecyclestage', { label: 'Stage' }),
    );
    expect(refused.code).toBe(400);
  });

  it("offers HubSpot's industry enum values", () => {
    expect(HUBSPOT_INDUSTRIES).toHaveLength(148);
    expect(HUBSPOT_INDUSTRIES.map((i) => i.value)).toEqual(
      expect.arrayContaining(['COMPUTER_SOFTWARE', 'INFORMATION_TECHNOLOGY_AND_SERVICES', 'MOBILE_GAMES']),
    );
    expect(new Set(HUBSPOT_INDUSTRIES.map((i) => i.value)).size).toBe(148);
  });

  it('creates a task associated to the contact and adds the contact to a list', async () => {
    const c = sandbox.createContact({ email: 'task@acme.test' });
    const task = await client.crm.objects.tasks.basicApi.create({
      properties: {
        hs_timestamp: new Date().toISOString(),
        hs_task_subject: 'Call within 5 minutes',
        hubspot_owner_id: '1001',
      },
      associations: [
        {
          to: { id: c.id },
          types: [
            {
              associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
              associationTypeId: HUBSPOT_ASSOCIATION.taskToContact,
            },
          ],
        },
      ],
    });
    expect(task.properties.hs_task_subject).toBe('Call within 5 minutes');
    expect(sandbox.tasks.get(task.id)!.associations).toEqual([
      { toObjectId: c.id, associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 },
    ]);

    const membership = await client.crm.lists.membershipsApi.add('77', [c.id, '404404']);
    expect(membership.recordsIdsAdded).toEqual([c.id]);
    expect(membership.recordIdsMissing).toEqual(['404404']);
    expect(sandbox.lists.get('77')!.has(c.id)).toBe(true);
  });

  it('serves behavioural events through the events API', async () => {
    const c = sandbox.createContact({ email: 'events@acme.test' });
    sandbox.addEvent({
      objectId: c.id,
      eventType: 'e_visited_page',
      properties: { hs_url: 'https://acme.test/pricing', hs_title: 'Pricing' },
      occurredAt: Date.now() - 60_000,
    });
    sandbox.addEvent({
      objectId: c.id,
      eventType: 'e_submitted_form',
      properties: { hs_form_id: 'f-1', hs_form_title: 'Request a demo' },
    });
    const page = await client.events.eventsApi.getPage(
      'contact',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      Number(c.id),
    );
    expect(page.results.map((e) => e.eventType)).toEqual(['e_submitted_form', 'e_visited_page']);
    expect(page.results[1]).toMatchObject({
      objectType: 'CONTACT',
      objectId: c.id,
      properties: { hs_url: 'https://acme.test/pricing' },
    });
    expect(page.results[1].occurredAt).toBeInstanceOf(Date);
  });

  it('requires a bearer token', async () => {
    const res = await fetch(`${sandbox.baseUrl}/crm/v3/owners`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ category: 'INVALID_AUTHENTICATION' });
  });

  it('injects 429/5xx failures with Retry-After for the next calls', async () => {
    const c = sandbox.createContact({ email: 'fail@acme.test' });
    sandbox.failNext(503, { count: 2, retryAfterSeconds: 3 });
    const first = await sdkError(client.crm.contacts.basicApi.getById(c.id));
    expect(first.code).toBe(503);
    expect(first.headers['retry-after']).toBe('3');
    expect((await sdkError(client.crm.contacts.basicApi.getById(c.id))).code).toBe(503);
    sandbox.failNext(429);
    const limited = await sdkError(client.crm.contacts.basicApi.getById(c.id));
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    await expect(client.crm.contacts.basicApi.getById(c.id)).resolves.toMatchObject({ id: c.id });
  });
});

describe('HubSpot sandbox rate limit', () => {
  it('reports the budget in headers and answers 429 once the rolling window is spent', async () => {
    let t = 1_700_000_000_000;
    const sandbox = await startHubSpotSandbox({ rateLimit: { max: 3, intervalMs: 10_000 }, now: () => t });
    try {
      const call = () =>
        fetch(`${sandbox.baseUrl}/crm/v3/owners`, { headers: { Authorization: 'Bearer x' } });
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call();
        expect(res.status).toBe(200);
        expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('3');
        expect(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
        remaining.push(res.headers.get('x-hubspot-ratelimit-remaining')!);
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const limited = await call();
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({
        status: 'error',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      });
      t += 10_001;
      expect((await call()).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});

describe('HubSpot webhook sender', () => {
  let sandbox: HubSpotSandbox;
  const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let receiverUrl: string;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(204).end();
    });
  });

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ clientSecret: 'webhook-secret', appId: 4242, portalId: 777 });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const isValid = (r: (typeof received)[number], url: string, secret = 'webhook-secret') =>
    Signature.isValid({
      signatureVersion: 'v3',
      method: 'POST',
      signature: String(r.headers['x-hubspot-signature-v3']),
      clientSecret: secret,
      requestBody: r.body,
      url,
      timestamp: Number(r.headers['x-hubspot-request-timestamp']),
    });

  it('fills the documented event fields', () => {
    const e = sandbox.webhookEvent({
      subscriptionType: 'contact.propertyChange',
      objectId: 123,
      propertyName: 'hs_lead_status',
      propertyValue: 'OPEN',
    });
    expect(e).toMatchObject({
      portalId: 777,
      appId: 4242,
      attemptNumber: 0,
      objectId: 123,
      propertyName: 'hs_lead_status',
      propertyValue: 'OPEN',
    });
    expect(typeof e.eventId).toBe('number');
    expect(typeof e.subscriptionId).toBe('number');
    expect(Math.abs(e.occurredAt - Date.now())).toBeLessThan(5_000);
    expect(sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 1 }).changeFlag).toBe(
      'NEW',
    );
  });

  it('signs v3 so that the SDK Signature.isValid accepts it, and the raw body is what was signed', async () => {
    const events = [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 501 })];
    const url = `${receiverUrl}/webhooks/hubspot`;
    const res = await sandbox.sendWebhook(url, events);
    expect(res.status).toBe(204);
    const r = received.at(-1)!;
    expect(JSON.parse(r.body)).toEqual(events);
    expect(r.headers['content-type']).toBe('application/json');
    expect(isValid(r, url)).toBe(true);
    expect(isValid(r, url, 'other-secret')).toBe(false);
    expect(sandbox.webhookDeliveries.at(-1)).toMatchObject({ url, status: 204 });
  });

  it('signs a URL with a query string over the URI with the documented characters decoded', async () => {
    const url = `${receiverUrl}/webhooks/hubspot?tenant=acme&source=portal%3A777&tags=a%2Cb`;
    await sandbox.sendWebhook(url, [
      sandbox.webhookEvent({ subscriptionType: 'contact.deletion', objectId: 9 }),
    ]);
    const r = received.at(-1)!;
    expect(r.url).toBe('/webhooks/hubspot?tenant=acme&source=portal%3A777&tags=a%2Cb');
    const decoded = hubspotSignatureUri(url);
    expect(decoded).toBe(`${receiverUrl}/webhooks/hubspot?tenant=acme&source=portal:777&tags=a,b`);
    expect(isValid(r, decoded)).toBe(true);
    // Verifying over the URI exactly as received on the wire fails: decode before verifying.
    expect(isValid(r, url)).toBe(false);
  });

  it('sends tampered bodies and stale timestamps that a verifier must reject', async () => {
    const url = `${receiverUrl}/webhooks/hubspot`;
    await sandbox.sendWebhook(
      url,
      [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 700 })],
      { tamper: true },
    );
    const tampered = received.at(-1)!;
    expect(JSON.parse(tampered.body)[0].objectId).toBe(701);
    expect(isValid(tampered, url)).toBe(false);

    await sandbox.sendWebhook(
      url,
      [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 700 })],
      { timestamp: Date.now() - 6 * 60_000 },
    );
    const stale = received.at(-1)!;
    expect(() => isValid(stale, url)).toThrow(/Timestamp is invalid/);

    await sandbox.sendWebhook(
      url,
      [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 700 })],
      { secret: 'forged' },
    );
    expect(isValid(received.at(-1)!, url)).toBe(false);

    await sandbox.sendWebhook(
      url,
      [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 700 })],
      { pretty: true },
    );
    const pretty = received.at(-1)!;
    expect(pretty.body).toContain('\n');
    expect(isValid(pretty, url)).toBe(true);
  });

  it('echoes API writes as signed webhooks with changeSource INTEGRATION when a target is set', async () => {
    const url = `${receiverUrl}/webhooks/hubspot`;
    sandbox.setWebhookTarget(url);
    try {
      const client = new Client({ accessToken: 'pat-sandbox', basePath: sandbox.baseUrl });
      const before = received.length;
      const created = await client.crm.contacts.basicApi.create({
        properties: { email: 'echo@acme.test' },
        associations: [],
      });
      await client.crm.contacts.basicApi.update(created.id, {
        properties: { hs_lead_status: 'OPEN', email: 'echo@acme.test' },
      });
      await sandbox.webhooksSettled();
      const batches = received
        .slice(before)
        .map((r) => ({ r, events: JSON.parse(r.body) as Record<string, unknown>[] }));
      expect(batches.map((b) => b.events.map((e) => e.subscriptionType))).toEqual([
        ['contact.creation'],
        ['contact.propertyChange'],
      ]);
      expect(batches[1].events[0]).toMatchObject({
        objectId: Number(created.id),
        propertyName: 'hs_lead_status',
        propertyValue: 'OPEN',
        changeSource: 'INTEGRATION',
        sourceId: '4242',
      });
      expect(batches.every((b) => isValid(b.r, url))).toBe(true);
    } finally {
      sandbox.setWebhookTarget(undefined);
    }
  });
});

describe('HubSpot contact writes', () => {
  let sandbox: HubSpotSandbox;
  let client: Client;
  beforeAll(async () => {
    sandbox = await startHubSpotSandbox();
    client = new Client({ accessToken: 'pat-sandbox', basePath: sandbox.baseUrl });
  });
  afterAll(() => sandbox.close());

  it('moves the lifecycle stage forward only unless it is cleared first', async () => {
    const c = sandbox.createContact({ email: 'stage@acme.test', lifecyclestage: 'salesqualifiedlead' });
    const back = await client.crm.contacts.basicApi.update(c.id, {
      properties: { lifecyclestage: 'lead', hs_lead_status: 'OPEN' },
    });
    expect(back.properties).toMatchObject({ lifecyclestage: 'salesqualifiedlead', hs_lead_status: 'OPEN' });
    await client.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: '' } });
    const again = await client.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: 'lead' } });
    expect(again.properties.lifecyclestage).toBe('lead');
  });

  it('updates many contacts in one batch call and rejects the whole batch on an invalid value', async () => {
    const a = sandbox.createContact({ email: 'ba@acme.test' });
    const b = sandbox.createContact({ email: 'bb@acme.test' });
    const res = await client.crm.contacts.batchApi.update({
      inputs: [
        { id: a.id, properties: { hs_lead_status: 'NEW' } },
        { id: b.id, properties: { hs_lead_status: 'OPEN' } },
      ],
    });
    expect(res.results.map((r) => r.properties.hs_lead_status).sort()).toEqual(['NEW', 'OPEN']);
    const bad = await sdkError(
      client.crm.contacts.batchApi.update({ inputs: [{ id: a.id, properties: { hs_lead_status: 'DONE' } }] }),
    );
    expect(bad.code).toBe(400);
    expect(sandbox.contacts.get(a.id)!.properties.hs_lead_status).toBe('NEW');
  });
});

describe('HubSpot webhook delivery with retries', () => {
  let sandbox: HubSpotSandbox;
  const answers: { status: number; retryAfter?: string; hang?: boolean }[] = [];
  const seen: { attempt: number; headers: IncomingHttpHeaders; body: string }[] = [];
  let url: string;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        attempt: (JSON.parse(body) as { attemptNumber: number }[])[0].attemptNumber,
        headers: req.headers,
        body,
      });
      const answer = answers.shift() ?? { status: 200 };
      if (answer.hang) return;
      res.writeHead(answer.status, answer.retryAfter ? { 'Retry-After': answer.retryAfter } : {}).end();
    });
  });

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ clientSecret: 'retry-secret' });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/hubspot`;
  });
  afterAll(async () => {
    await sandbox.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('retries 5xx, 429 (after Retry-After) and timeouts with a new signature and attemptNumber each time', async () => {
    seen.length = 0;
    answers.push(
      { status: 503 },
      { status: 429, retryAfter: '1' },
      { status: 200, hang: true },
      { status: 200 },
    );
    const started = Date.now();
    const result = await sandbox.deliverWebhook(
      url,
      [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 42 })],
      { retryDelayMs: () => 20, timeoutMs: 300 },
    );
    expect(result).toEqual({ delivered: true, attempts: 4, status: 200 });
    expect(seen.map((s) => s.attempt)).toEqual([0, 1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    for (const s of seen) {
      expect(
        Signature.isValid({
          signatureVersion: 'v3',
          signature: String(s.headers['x-hubspot-signature-v3']),
          clientSecret: 'retry-secret',
          requestBody: s.body,
          url,
          method: 'POST',
          timestamp: Number(s.headers['x-hubspot-request-timestamp']),
        }),
      ).toBe(true);
    }
  });

  it('does not retry other 4xx answers', async () => {
    seen.length = 0;
    answers.push({ status: 401 });
    const result = await sandbox.deliverWebhook(
      url,
      [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 43 })],
      { retryDelayMs: () => 20 },
    );
    expect(result).toEqual({ delivered: false, attempts: 1, status: 401 });
    expect(seen).toHaveLength(1);
  });

  it('retries 4xx answers other than 400, 401, 403, 404 and 405 (a 413 comes back)', async () => {
    seen.length = 0;
    answers.push({ status: 413 }, { status: 400 });
    const result = await sandbox.deliverWebhook(
      url,
      [sandbox.webhookEvent({ subscriptionType: 'contact.creation', objectId: 44 })],
      { retryDelayMs: () => 20 },
    );
    expect(result).toEqual({ delivered: false, attempts: 2, status: 400 });
    expect(seen.map((s) => s.attempt)).toEqual([0, 1]);
  });
});
