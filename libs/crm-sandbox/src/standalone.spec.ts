import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandaloneSandboxes, type StandaloneSandboxes } from './index.js';

describe('standalone sandboxes (what the CLI starts)', () => {
  let sandboxes: StandaloneSandboxes;

  beforeAll(async () => {
    sandboxes = await startStandaloneSandboxes({ hubspotPort: 0, salesforcePort: 0 });
  });
  afterAll(() => sandboxes.close());

  it('prints env values that the official SDKs can use as they are', async () => {
    const { env } = sandboxes;
    const hubspot = new Client({ accessToken: env.HUBSPOT_ACCESS_TOKEN, basePath: env.HUBSPOT_API_BASE_URL });
    const owners = await hubspot.crm.owners.ownersApi.getPage();
    expect(owners.results).toHaveLength(3);
    const contacts = await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: 'lena.meyer@acme.test' }],
      idProperty: 'email',
      properties: ['company'],
      propertiesWithHistory: [],
    });
    expect(contacts.results[0].properties.company).toBe('Acme GmbH');

    const conn = new jsforce.Connection({
      instanceUrl: env.SALESFORCE_INSTANCE_URL,
      accessToken: env.SALESFORCE_ACCESS_TOKEN,
      version: env.SALESFORCE_API_VERSION,
    });
    const leads = await conn.query<{ Email: string }>("SELECT Id, Email FROM Lead WHERE LeadSource = 'Web'");
    expect(leads.records.map((r) => r.Email)).toEqual(['lena.meyer@acme.test']);
  });

  it('has the Baton custom fields and the customised Lead Status picklist', async () => {
    const conn = new jsforce.Connection({
      instanceUrl: sandboxes.env.SALESFORCE_INSTANCE_URL,
      accessToken: sandboxes.env.SALESFORCE_ACCESS_TOKEN,
      version: sandboxes.env.SALESFORCE_API_VERSION,
    });
    const describe = await conn.sobject('Lead').describe();
    const names = describe.fields.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Baton_Score__c',
        'Baton_Handoff_Summary__c',
        'Baton_Disqualification_Reason__c',
        'Baton_Lifecycle_Stage__c',
      ]),
    );
    const status = describe.fields.find((f) => f.name === 'Status')!;
    expect(status.picklistValues!.map((p) => p.value)).toContain('Bad Timing');
    const lead = [...sandboxes.salesforce.leads.values()][0];
    await conn
      .sobject('Lead')
      .update(
        { Id: String(lead.Id), Status: 'Bad Timing', Baton_Disqualification_Reason__c: 'Timing' },
        { headers: { 'Sforce-Auto-Assign': 'FALSE' } },
      );
    expect(sandboxes.salesforce.leads.get(String(lead.Id))).toMatchObject({
      Status: 'Bad Timing',
      Baton_Disqualification_Reason__c: 'Timing',
    });
  });
});
