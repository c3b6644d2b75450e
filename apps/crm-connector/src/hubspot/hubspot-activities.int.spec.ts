import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/calls/index.js';
import { Topics, type LeadActivity } from '@baton/domain';
import { HUBSPOT_ASSOCIATION, type HubSpotSandbox } from '@baton/crm-sandbox';
import { query } from '@baton/testing';
import { allEvents, domainEvents, settle, tearDown, type RunningConnector } from '../../test/harness.js';
import { pendingInboxEvents, startHubSpotConnector } from '../../test/hubspot.js';

let hubspot: HubSpotSandbox;
let running: RunningConnector;
let webhookUrl: string;
/** A rep's HubSpot, driven through the official SDK. */
let rep: Client;

beforeAll(async () => {
  ({ hubspot, running } = await startHubSpotConnector('hsactivity', {
    sandbox: { clientSecret: 'test-secret', appId: 4242 },
    vars: { HUBSPOT_CLIENT_SECRET: 'test-secret', HUBSPOT_APP_ID: '4242' },
  }));
  webhookUrl = `${running.url}/webhooks/hubspot`;
  hubspot.setWebhookTarget(webhookUrl);
  rep = new Client({ accessToken: 'pat-rep', basePath: hubspot.baseUrl });
});

afterAll(() => tearDown(running, hubspot));

const onContact = (contactId: string, associationTypeId: number) => [
  {
    to: { id: contactId },
    types: [
      { associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId },
    ],
  },
];

async function inboxWorked() {
  const deadline = Date.now() + 30_000;
  while ((await pendingInboxEvents(running.env)) > 0) {
    if (Date.now() > deadline) throw new Error('inbox not worked');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function activityReadsSettled() {
  const deadline = Date.now() + 30_000;
  const due = async () =>
    Number(
      (
        await query<{ n: string }>(
          `SELECT count(*) AS n FROM ${running.env.DATABASE_SCHEMA}.hubspot_activity_due`,
        )
      )[0].n,
    );
  while ((await due()) > 0) {
    if (Date.now() > deadline) throw new Error('logged activities not read');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('calls, e-mails and meetings a rep logs in HubSpot', () => {
  it('become exactly one lead.activity each, also when the trigger webhook arrives twice', async () => {
    const contact = hubspot.createContact({ email: `ada${Math.random()}@analytical.io`, firstname: 'Ada' });
    const leadId = `hubspot:contact:${contact.id}`;
    const owner = hubspot.owners[0].id;
    const deliveriesBefore = hubspot.webhookDeliveries.length;

    const call = await rep.crm.objects.calls.basicApi.create({
      properties: {
        hs_timestamp: '2026-11-23T09:30:00.000Z',
        hs_call_title: 'Discovery call',
        hubspot_owner_id: owner,
      },
      associations: onContact(contact.id, HUBSPOT_ASSOCIATION.callToContact),
    });
    const meeting = await rep.crm.objects.meetings.basicApi.create({
      properties: {
        hs_timestamp: '2026-11-23T10:00:00.000Z',
        hs_meeting_title: 'Product demo',
        hubspot_owner_id: owner,
      },
      associations: onContact(contact.id, HUBSPOT_ASSOCIATION.meetingToContact),
    });
    await hubspot.webhooksSettled();

    const seen = await domainEvents<LeadActivity>(
      running.env,
      Topics.LeadActivity,
      (e) => e.filter((x) => x.subject === leadId).length >= 2,
    );
    const mine = seen.filter((e) => e.subject === leadId).map((e) => e.data);
    expect(mine.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))).toEqual([
      expect.objectContaining({
        kind: 'call_logged',
        actorOwnerId: owner,
        subject: 'Discovery call',
        occurredAt: '2026-11-23T09:30:00.000Z',
        sourceEventId: `hubspot:calls:${call.id}`,
      }),
      expect.objectContaining({
        kind: 'meeting_logged',
        actorOwnerId: owner,
        subject: 'Product demo',
        occurredAt: '2026-11-23T10:00:00.000Z',
        sourceEventId: `hubspot:meetings:${meeting.id}`,
      }),
    ]);

    // HubSpot redelivers the same trigger events (same eventIds), and the change also reaches us
    // again under new event ids: the engagements are read again but never emitted twice.
    const triggers = hubspot.webhookDeliveries.slice(deliveriesBefore).flatMap((d) => d.events);
    expect(triggers.map((e) => e.changeSource)).toEqual(triggers.map(() => 'CRM_UI'));
    const associationReads = () =>
      hubspot.requests.filter((r) => r.path.startsWith(`/crm/v4/objects/contacts/${contact.id}/`)).length;
    const readsBefore = associationReads();
    await hubspot.sendWebhook(webhookUrl, triggers);
    await hubspot.sendWebhook(
      webhookUrl,
      triggers.map((e) =>
        hubspot.webhookEvent({
          subscriptionType: e.subscriptionType,
          objectId: e.objectId,
          propertyName: e.propertyName,
          propertyValue: e.propertyValue,
          changeSource: e.changeSource,
        }),
      ),
    );
    await inboxWorked();
    await activityReadsSettled();
    await settle(1500);
    // The repeated change was worked (associations read again), and nothing new was emitted.
    expect(associationReads()).toBeGreaterThan(readsBefore);
    const all = (await allEvents<LeadActivity>(running.env, Topics.LeadActivity)).filter(
      (e) => e.subject === leadId,
    );
    expect(all.map((e) => e.data.kind).sort()).toEqual(['call_logged', 'meeting_logged']);
  });
});
