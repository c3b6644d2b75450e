import { afterAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { waitFor } from '@baton/testing';
import { allEvents, domainEvents, tearDown, type RunningConnector } from '../../test/harness.js';
import { pendingInboxEvents, startHubSpotConnector } from '../../test/hubspot.js';
import { startSalesforceConnector } from '../../test/salesforce.js';

/*
 * One sales story, told once in HubSpot and once in Salesforce: a lead arrives, requests a
 * demo, the rep connects, then disqualifies it for budget. Downstream services must see the
 * same domain events whichever CRM sales ops chose.
 */

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (closers.length) await closers.pop()!();
});

interface Story {
  leadCreated(): Promise<string>;
  demoRequested(): Promise<void>;
  repConnected(): Promise<void>;
  disqualifiedForBudget(): Promise<void>;
}

type Seen = { subject: string; data: Record<string, unknown> };

/** Provider, ids, record links, times, CRM event ids and user ids differ by nature; everything else must not. */
function normalise(events: Seen[], leadId: string, ownerId: string | undefined): unknown[] {
  const text = JSON.stringify(events.filter((e) => e.subject === leadId).map((e) => e.data));
  const scrubbed = JSON.parse(ownerId ? text.split(JSON.stringify(ownerId)).join('"OWNER"') : text) as Record<
    string,
    unknown
  >[];
  return scrubbed.map((d) => {
    const { leadId: _l, crm: _c, occurredAt: _o, sourceEventId: _s, ...rest } = d;
    // Who acted: the kind and owner must agree; user ids and the CRM's origin wording cannot.
    if (rest.actor) {
      const { kind, ownerId } = rest.actor as { kind: string; ownerId?: string };
      rest.actor = { kind, ...(ownerId ? { ownerId } : {}) };
    }
    return rest;
  });
}

/** Consecutive identical profiles (a re-read with nothing Baton maps changed) say nothing new. */
function distinctStates(profiles: unknown[]): unknown[] {
  return profiles.filter((p, i) => i === 0 || JSON.stringify(p) !== JSON.stringify(profiles[i - 1]));
}

async function tell(
  running: RunningConnector,
  story: Story,
  ownerOf: (leadId: string) => string | undefined,
) {
  const env = running.env;
  const leadId = await story.leadCreated();
  await domainEvents(env, Topics.LeadProfile, (e) => e.some((x) => x.subject === leadId));
  await story.demoRequested();
  await domainEvents(env, Topics.LeadEngagement, (e) => e.some((x) => x.subject === leadId));
  await story.repConnected();
  await domainEvents(env, Topics.LeadActivity, (e) => e.some((x) => x.subject === leadId));
  await story.disqualifiedForBudget();
  await domainEvents(env, Topics.LeadDisqualified, (e) => e.some((x) => x.subject === leadId));
  await running.runtime.flushOutbox();
  const owner = ownerOf(leadId);
  const read = async (topic: (typeof Topics)[keyof typeof Topics]) =>
    normalise((await allEvents(env, topic)) as Seen[], leadId, owner);
  return {
    profiles: distinctStates(await read(Topics.LeadProfile)),
    engagements: await read(Topics.LeadEngagement),
    activities: await read(Topics.LeadActivity),
    disqualified: await read(Topics.LeadDisqualified),
  };
}

describe('CRM_PROVIDER=hubspot and CRM_PROVIDER=salesforce', () => {
  it('produce the same domain events for the same story', async () => {
    // HubSpot
    const { hubspot, running: hs } = await startHubSpotConnector('samehs', {
      sandbox: { clientSecret: 's' },
      vars: { HUBSPOT_CLIENT_SECRET: 's' },
    });
    closers.push(() => tearDown(hs, hubspot));
    const url = `${hs.url}/webhooks/hubspot`;
    const worked = () => waitFor(async () => (await pendingInboxEvents(hs.env)) === 0);
    let contactId = '';
    const change = (props: Record<string, string>) => {
      Object.assign(hubspot.contacts.get(contactId)!.properties, props);
      return Object.entries(props).map(([propertyName, propertyValue]) =>
        hubspot.webhookEvent({
          subscriptionType: 'contact.propertyChange',
          objectId: Number(contactId),
          propertyName,
          propertyValue,
        }),
      );
    };
    const hsStory: Story = {
      leadCreated: async () => {
        contactId = hubspot.createContact({
          firstname: 'Ada',
          lastname: 'Lovelace',
          email: 'ada@analytical.io',
          company: 'Analytical Engines',
          jobtitle: 'CTO',
          country: 'GB',
          numemployees: '50-100',
          industry: 'Computing',
          hs_lead_status: 'NEW',
          lifecyclestage: 'lead',
          hubspot_owner_id: hubspot.owners[0].id,
        }).id;
        await hubspot.sendWebhook(url, [
          hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(contactId) }),
        ]);
        await worked();
        return `hubspot:contact:${contactId}`;
      },
      demoRequested: async () => {
        hubspot.addEvent({
          objectId: contactId,
          eventType: 'e_submitted_form',
          properties: { hs_form_title: 'Request a demo' },
        });
        await hubspot.sendWebhook(url, change({ num_conversion_events: '1' }));
        await worked();
      },
      repConnected: async () => {
        await hubspot.sendWebhook(url, change({ hs_lead_status: 'CONNECTED' }));
        await worked();
      },
      disqualifiedForBudget: async () => {
        await hubspot.sendWebhook(
          url,
          change({ baton_disqualification_reason: 'budget', hs_lead_status: 'UNQUALIFIED' }),
        );
        await worked();
      },
    };
    const fromHubSpot = await tell(hs, hsStory, () => hubspot.owners[0].id);

    // Salesforce
    const { org, running: sf } = await startSalesforceConnector('samesf');
    closers.push(() => tearDown(sf, org));
    let sfLead = '';
    const sfStory: Story = {
      leadCreated: async () => {
        sfLead = org.createLead({
          FirstName: 'Ada',
          LastName: 'Lovelace',
          Email: 'ada@analytical.io',
          Company: 'Analytical Engines',
          Title: 'CTO',
          Country: 'GB',
          NumberOfEmployees: 50,
          Industry: 'Computing',
          Status: 'Open - Not Contacted',
          Baton_Lifecycle_Stage__c: 'Lead',
        }).Id as string;
        return `salesforce:Lead:${sfLead}`;
      },
      demoRequested: async () => {
        org.logTask({
          WhoId: sfLead,
          Type: 'Form Submission',
          TaskSubtype: 'Task',
          Subject: 'Request a demo',
        });
      },
      repConnected: async () => {
        org.updateLead(sfLead, { Status: 'Working - Contacted' });
      },
      disqualifiedForBudget: async () => {
        org.updateLead(sfLead, {
          Status: 'Closed - Not Converted',
          Baton_Disqualification_Reason__c: 'Budget',
        });
      },
    };
    const fromSalesforce = await tell(sf, sfStory, () => String(org.leads.get(sfLead)!.OwnerId));

    expect(fromHubSpot.disqualified).toEqual([{ reason: 'budget', disqualifiedByOwnerId: 'OWNER' }]);
    expect(fromHubSpot.engagements).toEqual([
      { kind: 'demo_requested', detail: { title: 'Request a demo' } },
    ]);
    expect(fromHubSpot.activities.map((a) => (a as { status: unknown }).status)).toEqual([
      { from: 'new', to: 'connected' },
      { from: 'connected', to: 'unqualified' },
    ]);
    // A person acted each time, the lead's owner: the same words from either CRM.
    expect(fromHubSpot.activities.map((a) => (a as { actor: unknown }).actor)).toEqual([
      { kind: 'person', ownerId: 'OWNER' },
      { kind: 'person', ownerId: 'OWNER' },
    ]);
    expect(fromSalesforce).toEqual(fromHubSpot);
  }, 90_000);
});
