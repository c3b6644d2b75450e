import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadConnectorPolicy } from '../policy/policy.js';
import { canonicalFieldNames, crmValueOf, mapLead, parseEmployees } from './lead-mapper.js';

const dir = fileURLToPath(new URL('../../config/policy', import.meta.url));

describe('field mapping', () => {
  it('maps HubSpot properties to the canonical lead', () => {
    const mapping = loadConnectorPolicy(dir, 'hubspot').mapping.policy;
    const lead = mapLead(
      mapping,
      '51',
      {
        firstname: 'Ada',
        lastname: 'Lovelace',
        company: 'Analytical Engines',
        numemployees: '1000+',
        annualrevenue: '2,500,000',
        lifecyclestage: 'marketingqualifiedlead',
        hs_lead_status: 'ATTEMPTED_TO_CONTACT',
        hubspot_owner_id: '7',
        product_interest: 'api; analytics',
        baton_campaign: 'q4-webinar',
      },
      { portalId: '62515' },
    );
    expect(lead).toMatchObject({
      leadId: 'hubspot:contact:51',
      crm: {
        provider: 'hubspot',
        objectType: 'contact',
        id: '51',
        url: 'https://app.hubspot.com/contacts/62515/record/0-1/51',
      },
      identity: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        fullName: 'Ada Lovelace',
        company: 'Analytical Engines',
      },
      firmographics: { employees: 1000, annualRevenue: 2_500_000 },
      lifecycleStage: 'mql',
      leadStatus: 'attempted_to_contact',
      ownerId: '7',
      custom: { productInterest: 'api; analytics', campaign: 'q4-webinar' },
    });
    expect(canonicalFieldNames(mapping, ['hs_lead_status', 'jobtitle', 'not_mapped'])).toEqual([
      'identity.title',
      'leadStatus',
    ]);
  });

  it("maps Salesforce fields and writes Baton values back as the org's picklist values", () => {
    const mapping = loadConnectorPolicy(dir, 'salesforce').mapping.policy;
    const lead = mapLead(
      mapping,
      '00Q5e00000AbCdEAAA',
      {
        LastName: 'Hopper',
        Status: 'Working - Contacted',
        NumberOfEmployees: 120,
        Baton_Lifecycle_Stage__c: 'SQL',
      },
      { instanceUrl: 'https://acme.my.salesforce.com' },
    );
    expect(lead).toMatchObject({
      leadStatus: 'connected',
      lifecycleStage: 'sql',
      firmographics: { employees: 120 },
      crm: { url: 'https://acme.my.salesforce.com/lightning/r/Lead/00Q5e00000AbCdEAAA/view' },
    });
    expect(crmValueOf(mapping.values.leadStatus, 'unqualified')).toBe('Closed - Not Converted');
    expect(crmValueOf(mapping.values.disqualificationReason, 'no_need')).toBe('No Need');
  });

  it('drops values it cannot read rather than guessing', () => {
    const mapping = loadConnectorPolicy(dir, 'hubspot').mapping.policy;
    expect(
      mapLead(mapping, '1', { hs_lead_status: 'SOMETHING_CUSTOM', numemployees: 'many' }),
    ).not.toHaveProperty('leadStatus');
    expect(parseEmployees('many')).toBeUndefined();
    expect(parseEmployees('25-50')).toBe(25);
  });
});
