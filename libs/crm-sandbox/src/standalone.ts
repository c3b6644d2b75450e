import { startHubSpotSandbox, type HubSpotSandbox } from './hubspot.js';
import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce.js';
import type { SalesforceCustomField } from './salesforce-schema.js';

/** Custom fields a Baton-ready Salesforce org has (the connector's provision step only checks them). */
export const BATON_SALESFORCE_FIELDS: SalesforceCustomField[] = [
  { object: 'Lead', name: 'Baton_Score__c', type: 'double', label: 'Baton Score' },
  { object: 'Lead', name: 'Baton_Handoff_Summary__c', type: 'textarea', label: 'Baton Handoff Summary' },
  {
    object: 'Lead',
    name: 'Baton_Disqualification_Reason__c',
    type: 'picklist',
    label: 'Disqualification Reason',
    picklistValues: [
      'Timing',
      'Budget',
      'Authority',
      'No Need',
      'Competitor Chosen',
      'Unresponsive',
      'Not a Fit',
      'Other',
    ],
    restrictedPicklist: true,
  },
  {
    object: 'Lead',
    name: 'Baton_Lifecycle_Stage__c',
    type: 'picklist',
    label: 'Lifecycle Stage',
    picklistValues: ['Subscriber', 'Lead', 'MQL', 'SQL', 'Opportunity', 'Customer', 'Nurture'],
    restrictedPicklist: true,
  },
  { object: 'Lead', name: 'Baton_Campaign__c', type: 'string', label: 'Campaign' },
  { object: 'Lead', name: 'Product_Interest__c', type: 'string', label: 'Product Interest' },
];

/** A customised Lead Status picklist, as many orgs have. */
export const SAMPLE_LEAD_STATUSES = [
  'Open - Not Contacted',
  'Open',
  'Attempted to Contact',
  'Working - Contacted',
  'In Progress',
  'Open Deal',
  'Closed - Converted',
  'Closed - Not Converted',
  'Bad Timing',
];

export interface StandaloneOptions {
  hubspotPort?: number;
  salesforcePort?: number;
  hubspotClientSecret?: string;
  salesforceAccessToken?: string;
  /** Echo HubSpot API writes as signed webhooks to this URL (e.g. crm-connector's /webhooks/hubspot). */
  hubspotWebhookUrl?: string;
}

export interface StandaloneSandboxes {
  hubspot: HubSpotSandbox;
  salesforce: SalesforceSandbox;
  /** KEY=value lines that point crm-connector at the sandboxes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts both sandboxes with a few seeded owners, contacts, events and leads. */
export async function startStandaloneSandboxes(opts: StandaloneOptions = {}): Promise<StandaloneSandboxes> {
  const hubspot = await startHubSpotSandbox({
    port: opts.hubspotPort,
    clientSecret: opts.hubspotClientSecret ?? 'sandbox-client-secret',
    webhookTargetUrl: opts.hubspotWebhookUrl,
  });
  const salesforce = await startSalesforceSandbox({
    port: opts.salesforcePort,
    accessToken: opts.salesforceAccessToken ?? '00Dsandbox!baton-local-token',
    customFields: BATON_SALESFORCE_FIELDS,
    leadStatuses: SAMPLE_LEAD_STATUSES,
  });

  hubspot.properties.set('product_interest', {
    ...hubspot.properties.get('company')!,
    name: 'product_interest',
    label: 'Product interest',
    hubspotDefined: undefined,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
  });
  const lena = hubspot.createContact({
    email: 'lena.meyer@acme.test',
    firstname: 'Lena',
    lastname: 'Meyer',
    company: 'Acme GmbH',
    jobtitle: 'Head of Sales Ops',
    // As real portals hold them: free-text places, HubSpot's industry enum.
    country: 'Germany',
    state: 'Bayern',
    numemployees: '100-500',
    industry: 'COMPUTER_SOFTWARE',
  });
  const omar = hubspot.createContact({
    email: 'omar.haddad@globex.test',
    firstname: 'Omar',
    lastname: 'Haddad',
    company: 'Globex',
    jobtitle: 'VP Revenue',
    country: 'UK',
    state: 'England',
    numemployees: '1000+',
    industry: 'INFORMATION_TECHNOLOGY_AND_SERVICES',
  });
  hubspot.createContact({
    email: 'student@example.test',
    firstname: 'Sam',
    lastname: 'Student',
    lifecyclestage: 'subscriber',
  });
  hubspot.addEvent({
    objectId: lena.id,
    eventType: 'e_visited_page',
    properties: { hs_url: 'https://www.example.com/pricing', hs_title: 'Pricing' },
  });
  hubspot.addEvent({
    objectId: lena.id,
    eventType: 'e_submitted_form',
    properties: { hs_form_id: 'demo-request', hs_form_title: 'Request a demo' },
  });
  hubspot.addEvent({
    objectId: omar.id,
    eventType: 'e_visited_page',
    properties: { hs_url: 'https://www.example.com/blog/lead-routing', hs_title: 'Lead routing' },
  });

  salesforce.createLead({
    FirstName: 'Lena',
    LastName: 'Meyer',
    Company: 'Acme GmbH',
    Email: 'lena.meyer@acme.test',
    Title: 'Head of Sales Ops',
    Country: 'Deutschland',
    State: 'BY',
    NumberOfEmployees: 250,
    Industry: 'Technology',
    LeadSource: 'Web',
  });
  salesforce.createLead({
    FirstName: 'Omar',
    LastName: 'Haddad',
    Company: 'Globex',
    Email: 'omar.haddad@globex.test',
    Title: 'VP Revenue',
    Country: 'United Kingdom',
    NumberOfEmployees: 4000,
    Industry: 'Consulting',
    LeadSource: 'Partner Referral',
  });
  salesforce.createLead({
    FirstName: 'Sam',
    LastName: 'Student',
    Company: 'Self',
    Email: 'student@example.test',
    LeadSource: 'Other',
  });

  const env = {
    HUBSPOT_API_BASE_URL: hubspot.baseUrl,
    HUBSPOT_ACCESS_TOKEN: 'pat-sandbox',
    HUBSPOT_CLIENT_SECRET: hubspot.clientSecret,
    HUBSPOT_APP_ID: String(hubspot.appId),
    SALESFORCE_INSTANCE_URL: salesforce.instanceUrl,
    SALESFORCE_ACCESS_TOKEN: salesforce.accessToken,
    SALESFORCE_API_VERSION: salesforce.apiVersion,
  };
  return {
    hubspot,
    salesforce,
    env,
    close: async () => {
      await Promise.all([hubspot.close(), salesforce.close()]);
    },
  };
}
