import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { signHubSpotV3, type HubSpotSandbox } from '@baton/crm-sandbox';
import { metricsRegistry } from '@baton/observability';
import { query } from '@baton/testing';
import { domainEvents, settle, tearDown, type RunningConnector } from '../../test/harness.js';
import { pendingInboxEvents, startHubSpotConnector } from '../../test/hubspot.js';

let hubspot: HubSpotSandbox;
let running: RunningConnector;
let webhookUrl: string;

beforeAll(async () => {
  ({ hubspot, running } = await startHubSpotConnector('hsintake', {
    sandbox: { clientSecret: 'test-secret', appId: 4242 },
    vars: { HUBSPOT_CLIENT_SECRET: 'test-secret', HUBSPOT_APP_ID: '4242', WEBHOOK_MAX_BODY_BYTES: '200000' },
  }));
  webhookUrl = `${running.url}/webhooks/hubspot`;
});

afterAll(() => tearDown(running, hubspot));

async function inboxWorked() {
  const deadline = Date.now() + 60_000;
  while ((await pendingInboxEvents(running.env)) > 0) {
    if (Date.now() > deadline) throw new Error('inbox not worked');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const inboxCount = async () =>
  Number(
    (await query<{ n: string }>(`SELECT count(*) AS n FROM ${running.env.DATABASE_SCHEMA}.hubspot_inbox`))[0]
      .n,
  );

function newContact(props: Record<string, string> = {}) {
  return hubspot.createContact({
    firstname: 'Ada',
    lastname: 'Lovelace',
    email: `ada${Math.random()}@analytical.io`,
    company: 'Analytical Engines',
    jobtitle: 'CTO',
    country: 'GB',
    numemployees: '50-100',
    ...props,
  });
}

function setProperty(id: string, name: string, value: string) {
  hubspot.contacts.get(id)!.properties[name] = value;
  return hubspot.webhookEvent({
    subscriptionType: 'contact.propertyChange',
    objectId: Number(id),
    propertyName: name,
    propertyValue: value,
  });
}

describe('POST /webhooks/hubspot signature and intake', () => {
  it('accepts a validly signed batch only after storing it, and rejects forged, wrong-secret and stale deliveries', async () => {
    const c = newContact();
    const batch = [hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) })];
    const before = await inboxCount();

    const forged = await hubspot.sendWebhook(webhookUrl, batch, { tamper: true });
    expect(forged.status).toBe(401);
    const wrongSecret = await hubspot.sendWebhook(webhookUrl, batch, { secret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    const stale = await hubspot.sendWebhook(webhookUrl, batch, {
      timestamp: Date.now() - 5 * 60_000 - 5_000,
    });
    expect(stale.status).toBe(401);
    expect(await inboxCount()).toBe(before);

    const ok = await hubspot.sendWebhook(webhookUrl, batch);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    // The 2xx came after the commit: the row is there the moment the answer is.
    expect(await inboxCount()).toBe(before + 1);

    const profiles = await domainEvents<{ change: string; identity: { email?: string } }>(
      running.env,
      Topics.LeadProfile,
      (e) => e.some((p) => p.subject === `hubspot:contact:${c.id}`),
    );
    const profile = profiles.find((p) => p.subject === `hubspot:contact:${c.id}`)!;
    expect(profile.data).toMatchObject({
      change: 'created',
      identity: { firstName: 'Ada', company: 'Analytical Engines', title: 'CTO', country: 'GB' },
      firmographics: { employees: 50 },
    });
  });

  it('treats a replayed request (same bytes, same signature) as a duplicate, and checks the signature over a URL with a query string', async () => {
    const c = newContact();
    const url = `${webhookUrl}?portal=62515&next=%2Fleads%3Fsort%3Ddesc`;
    const body = JSON.stringify([
      hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) }),
    ]);
    const timestamp = Date.now();
    const headers = {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signHubSpotV3('test-secret', 'POST', url, body, timestamp),
      'x-hubspot-request-timestamp': String(timestamp),
    };
    const first = await fetch(url, { method: 'POST', headers, body });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const replay = await fetch(url, { method: 'POST', headers, body });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    // The same signature presented for another path of ours does not verify.
    const moved = await fetch(`${webhookUrl}?portal=1`, { method: 'POST', headers, body });
    expect(moved.status).toBe(401);
    // Signed by the sandbox over the query string (HubSpot's decoding of %2F, %3F...).
    const viaSandbox = await hubspot.sendWebhook(url, [
      hubspot.webhookEvent({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(c.id),
        propertyName: 'jobtitle',
        propertyValue: 'CTO',
      }),
    ]);
    expect(viaSandbox.status).toBe(200);
  });

  it('answers 400 (which HubSpot does not retry) for a body over the cap and for a signed body that is not a webhook batch, and counts them', async () => {
    const rejected = async (reason: string) =>
      (
        await metricsRegistry.getSingleMetric('baton_hubspot_webhook_rejected_bodies_total')?.get()
      )?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
    const [tooLargeBefore, notBatchBefore, notJsonBefore] = [
      await rejected('too_large'),
      await rejected('not_a_batch'),
      await rejected('not_json'),
    ];
    const big = Array.from({ length: 1200 }, (_, i) =>
      hubspot.webhookEvent({
        subscriptionType: 'contact.propertyChange',
        objectId: 51,
        propertyName: 'jobtitle',
        propertyValue: `x${i}`.repeat(20),
      }),
    );
    // Delivered the way HubSpot delivers: a retried status would make more than one attempt.
    const delivery = await hubspot.deliverWebhook(webhookUrl, big, {
      maxAttempts: 3,
      retryDelayMs: () => 10,
    });
    expect(delivery).toEqual({ delivered: false, attempts: 1, status: 400 });
    const body = '{"not":"an array"}';
    const ts = Date.now();
    const bad = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'x-hubspot-signature-v3': signHubSpotV3('test-secret', 'POST', webhookUrl, body, ts),
        'x-hubspot-request-timestamp': String(ts),
      },
      body,
    });
    expect(bad.status).toBe(400);
    const garbage = 'not json at all';
    const ts2 = Date.now();
    const unparseable = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'x-hubspot-signature-v3': signHubSpotV3('test-secret', 'POST', webhookUrl, garbage, ts2),
        'x-hubspot-request-timestamp': String(ts2),
      },
      body: garbage,
    });
    expect(unparseable.status).toBe(400);
    expect(await rejected('too_large')).toBe(tooLargeBefore + 1);
    expect(await rejected('not_a_batch')).toBe(notBatchBefore + 1);
    expect(await rejected('not_json')).toBe(notJsonBefore + 1);
  });
});

describe('HubSpot changes into domain events', () => {
  it("orders a contact's events (creation first), drops an older change that arrives late, and dedupes a repeated batch", async () => {
    const c = newContact({ hs_lead_status: 'NEW' });
    const leadId = `hubspot:contact:${c.id}`;
    const creation = hubspot.webhookEvent({
      subscriptionType: 'contact.creation',
      objectId: Number(c.id),
      occurredAt: Date.now() - 60_000,
    });
    const attempted = {
      ...setProperty(c.id, 'hs_lead_status', 'ATTEMPTED_TO_CONTACT'),
      occurredAt: Date.now() - 30_000,
    };
    const connected = {
      ...setProperty(c.id, 'hs_lead_status', 'CONNECTED'),
      occurredAt: Date.now() - 10_000,
    };
    // Newest first, creation last: the worker must put creation first.
    expect((await hubspot.sendWebhook(webhookUrl, [connected, creation])).status).toBe(200);
    await inboxWorked();
    // The older status change arrives in a later delivery; then the first delivery is retried.
    expect((await hubspot.sendWebhook(webhookUrl, [attempted])).status).toBe(200);
    const dup = await hubspot.sendWebhook(webhookUrl, [connected, creation]);
    expect(await dup.json()).toMatchObject({ accepted: 0, duplicates: 2 });

    await inboxWorked();
    await running.runtime.flushOutbox();
    const profiles = await domainEvents<{ change: string }>(
      running.env,
      Topics.LeadProfile,
      (e) => e.filter((p) => p.subject === leadId).length >= 2,
    );
    const mine = profiles.filter((p) => p.subject === leadId).map((p) => p.data.change);
    // How deliveries fall into worker rounds varies; creation always comes first, once.
    expect(mine[0]).toBe('created');
    expect(mine.slice(1).every((c) => c === 'updated')).toBe(true);
    await settle(1000);
    const activities = await domainEvents<{ kind: string; status?: { from?: string; to: string } }>(
      running.env,
      Topics.LeadActivity,
      (e) => e.some((a) => a.subject === leadId),
    );
    const statusMoves = activities.filter((a) => a.subject === leadId && a.data.kind === 'status_changed');
    // One move to connected (the current value); the late, older change is not replayed as activity.
    expect(statusMoves.map((a) => a.data.status)).toEqual([{ to: 'connected' }]);
  });

  it('reads engagements from the events API and names them by signals.yaml', async () => {
    const c = newContact();
    const leadId = `hubspot:contact:${c.id}`;
    hubspot.addEvent({
      objectId: c.id,
      eventType: 'e_submitted_form',
      properties: { hs_form_title: 'Request a demo', hs_form_id: 'f-1' },
    });
    hubspot.addEvent({
      objectId: c.id,
      eventType: 'e_visited_page',
      properties: { hs_url: 'https://www.example.com/pricing', hs_page_title: 'Pricing' },
    });
    hubspot.addEvent({
      objectId: c.id,
      eventType: 'e_visited_page',
      properties: { hs_url: 'https://www.example.com/blog/x' },
    });
    await hubspot.sendWebhook(webhookUrl, [
      hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) }),
    ]);
    const seen = await domainEvents<{ kind: string; detail: { url?: string; title?: string } }>(
      running.env,
      Topics.LeadEngagement,
      (e) => e.filter((x) => x.subject === leadId).length >= 3,
    );
    const kinds = seen
      .filter((e) => e.subject === leadId)
      .map((e) => e.data.kind)
      .sort();
    expect(kinds).toEqual(['demo_requested', 'page_viewed', 'pricing_page_viewed']);

    // A later form submission shows up as a property change; only the new event is read and emitted.
    hubspot.addEvent({
      objectId: c.id,
      eventType: 'e_submitted_form',
      properties: { hs_form_title: 'Contact sales' },
      occurredAt: Date.now() + 1000,
    });
    await hubspot.sendWebhook(webhookUrl, [setProperty(c.id, 'num_conversion_events', '2')]);
    const more = await domainEvents<{ kind: string }>(
      running.env,
      Topics.LeadEngagement,
      (e) => e.filter((x) => x.subject === leadId).length >= 4,
    );
    expect(
      more
        .filter((e) => e.subject === leadId)
        .map((e) => e.data.kind)
        .sort(),
    ).toEqual(['contact_sales_requested', 'demo_requested', 'page_viewed', 'pricing_page_viewed']);
  });

  it('asks the rep for a reason instead of accepting a reason-less disqualification, then emits lead.disqualified with it', async () => {
    const owner = hubspot.owners[0];
    const c = newContact({ hubspot_owner_id: owner.id, hs_lead_status: 'OPEN' });
    const leadId = `hubspot:contact:${c.id}`;
    await hubspot.sendWebhook(webhookUrl, [
      hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) }),
    ]);
    await inboxWorked();
    await hubspot.sendWebhook(webhookUrl, [setProperty(c.id, 'hs_lead_status', 'UNQUALIFIED')]);

    const commands = await domainEvents<{ action: string; task?: { subject: string; ownerId?: string } }>(
      running.env,
      Topics.CrmCommand,
      (e) => e.some((x) => x.subject === leadId),
    );
    expect(commands.find((x) => x.subject === leadId)!.data).toMatchObject({
      action: 'create_task',
      task: { subject: 'Add a disqualification reason', ownerId: owner.id },
    });
    // Carried out by the connector's own command consumer: the task is on the contact in HubSpot.
    const task = await waitForTask(c.id);
    expect(task.properties.hs_task_subject).toBe('Add a disqualification reason');
    expect(task.properties.hubspot_owner_id).toBe(owner.id);

    await hubspot.sendWebhook(webhookUrl, [setProperty(c.id, 'baton_disqualification_reason', 'budget')]);
    const dq = await domainEvents<{ reason: string }>(running.env, Topics.LeadDisqualified, (e) =>
      e.some((x) => x.subject === leadId),
    );
    expect(dq.filter((x) => x.subject === leadId).map((x) => x.data.reason)).toEqual(['budget']);
  });
});

describe('HubSpot merges and deletions', () => {
  it('reports a merge on the surviving contact with the merged ids, and a deletion', async () => {
    const keep = newContact();
    const gone = newContact();
    const keepId = `hubspot:contact:${keep.id}`;
    await hubspot.sendWebhook(webhookUrl, [
      hubspot.webhookEvent({
        subscriptionType: 'contact.merge',
        objectId: Number(keep.id),
        primaryObjectId: Number(keep.id),
        mergedObjectIds: [Number(keep.id), Number(gone.id)],
      }),
    ]);
    const merged = await domainEvents<{ change: string; mergedLeadIds?: string[] }>(
      running.env,
      Topics.LeadProfile,
      (e) => e.some((x) => x.subject === keepId && x.data.change === 'merged'),
    );
    expect(
      merged.find((x) => x.subject === keepId && x.data.change === 'merged')!.data.mergedLeadIds,
    ).toEqual([`hubspot:contact:${gone.id}`]);

    const leaving = newContact();
    const leavingId = `hubspot:contact:${leaving.id}`;
    hubspot.contacts.delete(leaving.id);
    await hubspot.sendWebhook(webhookUrl, [
      hubspot.webhookEvent({ subscriptionType: 'contact.deletion', objectId: Number(leaving.id) }),
    ]);
    const deleted = await domainEvents<{ change: string }>(running.env, Topics.LeadProfile, (e) =>
      e.some((x) => x.subject === leavingId),
    );
    expect(deleted.filter((x) => x.subject === leavingId).map((x) => x.data.change)).toEqual(['deleted']);
  });
});

async function waitForTask(contactId: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = [...hubspot.tasks.values()].find((t) =>
      t.associations.some((a) => a.toObjectId === contactId),
    );
    if (task) return task;
    if (Date.now() > deadline) throw new Error('no task created');
    await new Promise((r) => setTimeout(r, 100));
  }
}
