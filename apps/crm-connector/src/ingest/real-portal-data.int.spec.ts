import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type LeadActivity, type LeadProfile } from '@baton/domain';
import type { HubSpotSandbox, SalesforceSandbox } from '@baton/crm-sandbox';
import { waitFor } from '@baton/testing';
import { allEvents, domainEvents, settle, tearDown, type RunningConnector } from '../../test/harness.js';
import { pendingInboxEvents, startHubSpotConnector } from '../../test/hubspot.js';
import { startSalesforceConnector } from '../../test/salesforce.js';

/*
 * Portals filled the way real ones are: HubSpot holds free-text places and its industry enum,
 * Salesforce country aliases, state codes and its default Industry picklist. The same company
 * must come out as one canonical lead either way; the exact values below are what routing's and
 * scoring's unit specs (rules/canonical-lead.spec.ts, policy/fit-vocabulary.spec.ts) are fed.
 */

let hubspot: HubSpotSandbox;
let hs: RunningConnector;
let org: SalesforceSandbox;
let sf: RunningConnector;

beforeAll(async () => {
  ({ hubspot, running: hs } = await startHubSpotConnector('realhs', {
    sandbox: { clientSecret: 's' },
    vars: { HUBSPOT_CLIENT_SECRET: 's' },
  }));
  ({ org, running: sf } = await startSalesforceConnector('realsf'));
}, 60_000);

afterAll(async () => {
  await tearDown(hs, hubspot);
  await tearDown(sf, org);
});

const worked = () => waitFor(async () => (await pendingInboxEvents(hs.env)) === 0);

async function profileOf(running: RunningConnector, leadId: string): Promise<LeadProfile> {
  const events = await domainEvents<LeadProfile>(running.env, Topics.LeadProfile, (e) =>
    e.some((x) => x.subject === leadId),
  );
  return events.find((x) => x.subject === leadId)!.data;
}

async function fromHubSpot(properties: Record<string, string>): Promise<LeadProfile> {
  const contact = hubspot.createContact(properties);
  await hubspot.sendWebhook(`${hs.url}/webhooks/hubspot`, [
    hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(contact.id) }),
  ]);
  await worked();
  return profileOf(hs, `hubspot:contact:${contact.id}`);
}

async function fromSalesforce(fields: Record<string, unknown>): Promise<LeadProfile> {
  const lead = org.createLead(fields);
  return profileOf(sf, `salesforce:Lead:${lead.Id as string}`);
}

/** The CRM's own text differs by nature; everything Baton reads must not. */
function canonical(p: LeadProfile) {
  const { countryRaw: _c, stateRaw: _s, ...identity } = p.identity;
  const { industryRaw: _i, ...firmographics } = p.firmographics;
  return { identity, firmographics };
}

describe('real portals’ data, either CRM', () => {
  it('a Texas software company: "United States" / "Texas" / COMPUTER_SOFTWARE and "USA" / "TX" / Technology', async () => {
    const h = await fromHubSpot({
      firstname: 'Dana',
      lastname: 'Reyes',
      email: 'dana.reyes@lonestar.example',
      company: 'Lone Star Software',
      jobtitle: 'Head of Revenue Operations',
      country: 'United States',
      state: 'Texas',
      industry: 'COMPUTER_SOFTWARE',
      numemployees: '1000+',
    });
    const s = await fromSalesforce({
      FirstName: 'Dana',
      LastName: 'Reyes',
      Email: 'dana.reyes@lonestar.example',
      Company: 'Lone Star Software',
      Title: 'Head of Revenue Operations',
      Country: 'USA',
      State: 'TX',
      Industry: 'Technology',
      NumberOfEmployees: 1000,
      Status: 'Open - Not Contacted',
    });
    expect(h.identity).toMatchObject({
      country: 'US',
      countryRaw: 'United States',
      state: 'US-TX',
      stateRaw: 'Texas',
    });
    expect(h.firmographics).toMatchObject({
      employees: 1000,
      industry: 'software',
      industryRaw: 'COMPUTER_SOFTWARE',
    });
    expect(s.identity).toMatchObject({ country: 'US', countryRaw: 'USA', state: 'US-TX', stateRaw: 'TX' });
    expect(s.firmographics).toMatchObject({
      employees: 1000,
      industry: 'software',
      industryRaw: 'Technology',
    });
    expect(canonical(s)).toEqual(canonical(h));
  });

  it('a German software VP: "Germany" / "Bayern" / COMPUTER_SOFTWARE and "DEU" / "BY" / Technology', async () => {
    const h = await fromHubSpot({
      firstname: 'Jonas',
      lastname: 'Brandt',
      email: 'vp@softwerk.example',
      company: 'Softwerk AG',
      jobtitle: 'VP Engineering',
      country: 'Germany',
      state: 'Bayern',
      industry: 'COMPUTER_SOFTWARE',
      numemployees: '1000+',
    });
    const s = await fromSalesforce({
      FirstName: 'Jonas',
      LastName: 'Brandt',
      Email: 'vp@softwerk.example',
      Company: 'Softwerk AG',
      Title: 'VP Engineering',
      Country: 'DEU',
      State: 'BY',
      Industry: 'Technology',
      NumberOfEmployees: 1000,
      Status: 'Open - Not Contacted',
    });
    expect(canonical(h)).toEqual({
      identity: {
        firstName: 'Jonas',
        lastName: 'Brandt',
        fullName: 'Jonas Brandt',
        email: 'vp@softwerk.example',
        company: 'Softwerk AG',
        title: 'VP Engineering',
        country: 'DE',
        state: 'DE-BY',
      },
      firmographics: { employees: 1000, industry: 'software' },
    });
    expect(canonical(s)).toEqual(canonical(h));
  });

  it('leaves what it cannot read empty and keeps the text', async () => {
    const h = await fromHubSpot({
      lastname: 'Nobody',
      country: 'Narnia',
      state: 'Cair Paravel',
      industry: 'Widgets',
    });
    expect(h.identity).toEqual({
      lastName: 'Nobody',
      fullName: 'Nobody',
      countryRaw: 'Narnia',
      stateRaw: 'Cair Paravel',
    });
    expect(h.firmographics).toEqual({ industryRaw: 'Widgets' });
  });
});

describe('first sight of a record', () => {
  it("is nobody's activity; the rep's next change is, with who acted", async () => {
    // Created before Baton was installed: the first webhook Baton gets is a lifecycle stage change.
    const owner = hubspot.owners[0];
    const contact = hubspot.createContact({
      lastname: 'Early',
      country: 'United States',
      hs_lead_status: 'NEW',
      lifecyclestage: 'lead',
      hubspot_owner_id: owner.id,
    });
    const leadId = `hubspot:contact:${contact.id}`;
    const url = `${hs.url}/webhooks/hubspot`;
    const change = (propertyName: string, propertyValue: string) => {
      hubspot.contacts.get(contact.id)!.properties[propertyName] = propertyValue;
      return hubspot.webhookEvent({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(contact.id),
        propertyName,
        propertyValue,
      });
    };
    await hubspot.sendWebhook(url, [change('lifecyclestage', 'lead')]);
    await worked();
    const first = await profileOf(hs, leadId);
    expect(first).toMatchObject({
      change: 'updated',
      leadStatus: 'new',
      lifecycleStage: 'lead',
      ownerId: owner.id,
    });
    await hs.runtime.flushOutbox();
    await settle(1000);
    const activitiesOf = async () =>
      (await allEvents<LeadActivity>(hs.env, Topics.LeadActivity)).filter((a) => a.subject === leadId);
    expect(await activitiesOf()).toEqual([]);

    await hubspot.sendWebhook(url, [change('hs_lead_status', 'CONNECTED')]);
    await worked();
    const [connected] = (
      await domainEvents<LeadActivity>(hs.env, Topics.LeadActivity, (e) =>
        e.some((a) => a.subject === leadId),
      )
    ).filter((a) => a.subject === leadId);
    expect(connected.data).toMatchObject({
      kind: 'status_changed',
      status: { from: 'new', to: 'connected' },
      actor: { kind: 'person', userId: String(owner.userId), ownerId: owner.id, source: 'CRM_UI' },
      actorOwnerId: owner.id,
    });
  });
});
