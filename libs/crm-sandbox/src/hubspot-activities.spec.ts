import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/calls/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUBSPOT_ASSOCIATION, startHubSpotSandbox, type HubSpotSandbox } from './index.js';

const toContact = (contactId: string, associationTypeId: number) => [
  {
    to: { id: contactId },
    types: [
      { associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId },
    ],
  },
];

describe('HubSpot sandbox: calls, e-mails and meetings logged on a contact', () => {
  let sandbox: HubSpotSandbox;
  let client: Client;
  let receiver: Server;
  const received: Record<string, unknown>[][] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>[]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    sandbox = await startHubSpotSandbox({ webhookTargetUrl: `http://127.0.0.1:${port}/webhooks/hubspot` });
    client = new Client({ accessToken: 'pat-sandbox', basePath: sandbox.baseUrl });
  });

  afterAll(async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('creates them with associations, lists them per contact (v4) and batch-reads them', async () => {
    const contact = sandbox.createContact({ email: 'ada@acme.test' });
    const owner = sandbox.owners[0].id;
    const call = await client.crm.objects.calls.basicApi.create({
      properties: {
        hs_timestamp: '2026-11-23T10:00:00.000Z',
        hs_call_title: 'Discovery call',
        hubspot_owner_id: owner,
      },
      associations: toContact(contact.id, HUBSPOT_ASSOCIATION.callToContact),
    });
    const email = await client.crm.objects.emails.basicApi.create({
      properties: {
        hs_timestamp: '2026-11-23T10:05:00.000Z',
        hs_email_subject: 'Follow-up',
        hubspot_owner_id: owner,
      },
      associations: toContact(contact.id, HUBSPOT_ASSOCIATION.emailToContact),
    });
    const meeting = await client.crm.objects.meetings.basicApi.create({
      properties: {
        hs_timestamp: '2026-11-23T11:00:00.000Z',
        hs_meeting_title: 'Demo',
        hubspot_owner_id: owner,
      },
      associations: toContact(contact.id, HUBSPOT_ASSOCIATION.meetingToContact),
    });

    const calls = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'calls');
    expect(calls.results.map((r) => String(r.toObjectId))).toEqual([call.id]);
    expect(calls.results[0].associationTypes[0]).toMatchObject({ category: 'HUBSPOT_DEFINED', typeId: 193 });
    const meetings = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'meetings');
    expect(meetings.results.map((r) => String(r.toObjectId))).toEqual([meeting.id]);

    const read = await client.crm.objects.emails.batchApi.read({
      inputs: [{ id: email.id }, { id: '999999' }],
      properties: ['hs_timestamp', 'hubspot_owner_id', 'hs_email_subject'],
      propertiesWithHistory: [],
    });
    expect(read.results).toHaveLength(1);
    expect(read.results[0].properties).toMatchObject({
      hs_timestamp: '2026-11-23T10:05:00.000Z',
      hubspot_owner_id: owner,
      hs_email_subject: 'Follow-up',
    });
  });

  it("moves the contact's last-contacted properties and reports it as a change from the CRM UI", async () => {
    const contact = sandbox.createContact({ email: 'grace@acme.test' });
    const before = received.length;
    await client.crm.objects.calls.basicApi.create({
      properties: { hs_timestamp: '2026-11-23T12:00:00.000Z', hs_call_title: 'Intro' },
      associations: toContact(contact.id, HUBSPOT_ASSOCIATION.callToContact),
    });
    await sandbox.webhooksSettled();
    const got = await client.crm.contacts.basicApi.getById(contact.id, [
      'notes_last_contacted',
      'hs_last_sales_activity_timestamp',
      'num_contacted_notes',
    ]);
    expect(got.properties).toMatchObject({
      num_contacted_notes: '1',
      notes_last_contacted: '2026-11-23T12:00:00.000Z',
      hs_last_sales_activity_timestamp: '2026-11-23T12:00:00.000Z',
    });
    const events = received.slice(before).flat();
    expect(events.map((e) => e.propertyName).sort()).toEqual([
      'hs_last_sales_activity_timestamp',
      'notes_last_contacted',
      'num_contacted_notes',
    ]);
    for (const e of events) {
      expect(e).toMatchObject({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(contact.id),
        changeSource: 'CRM_UI',
      });
      expect(e.sourceId).toBeUndefined();
    }
  });
});
