import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BATON_SALESFORCE_FIELDS,
  SAMPLE_LEAD_STATUSES,
  startHubSpotSandbox,
  startSalesforceSandbox,
} from '@baton/crm-sandbox';
import { SlidingWindowLimiter } from '../api-budget/rate-limiter.js';
import { HubSpotApi } from '../hubspot/hubspot-api.js';
import { loadConnectorPolicy, type HubSpotMapping, type SalesforceMapping } from '../policy/policy.js';
import { SalesforceApi } from '../salesforce/salesforce-api.js';
import { provisionHubSpot } from './provision.js';
import { CrmSetupCheck } from './setup-check.js';

const dir = fileURLToPath(new URL('../../config/policy', import.meta.url));
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function limiter(provider: 'hubspot' | 'salesforce') {
  const l = new SlidingWindowLimiter(provider, { max: 1000, intervalMs: 1000, dailyMax: 1_000_000 });
  closers.push(() => l.close());
  return l;
}

async function hubspotPortal() {
  const portal = await startHubSpotSandbox();
  closers.push(() => portal.close());
  const api = new HubSpotApi({
    accessToken: 'pat-test',
    basePath: portal.baseUrl,
    limiter: limiter('hubspot'),
  });
  const mapping = loadConnectorPolicy(dir, 'hubspot').mapping.policy as HubSpotMapping;
  return { portal, api, mapping, check: new CrmSetupCheck({ provider: 'hubspot', api, mapping }) };
}

describe('CRM set-up check (the CRM holds what Baton writes)', () => {
  it('reports an unprovisioned HubSpot portal with the command that fixes it, and passes after provision', async () => {
    const { api, mapping, check } = await hubspotPortal();
    const before = await check.check();
    expect(before.ok).toBe(false);
    expect(before.missing).toEqual([
      'baton_score: contact property missing (Baton score, number)',
      'baton_handoff_summary: contact property missing (Baton handoff summary, string)',
      'baton_disqualification_reason: contact property missing (Baton disqualification reason, enumeration)',
    ]);
    expect(before.message).toBe(
      'HubSpot portal is not set up for Baton, whose writes it would reject: ' +
        `${before.missing.join('; ')}. ` +
        "To fix: run `npx nx run crm-connector:provision` (or start with CRM_PROVISION_ON_START=true) to create Baton's properties.",
    );

    await provisionHubSpot(api, mapping);
    expect(await check.check()).toEqual({
      ok: true,
      missing: [],
      message: 'HubSpot portal is set up for Baton',
    });
  });

  it('provisions on ensure() (CRM_PROVISION_ON_START=true), adding options a Baton property lacks', async () => {
    const { portal, check } = await hubspotPortal();
    const first = await check.ensure();
    expect(first.ok).toBe(true);
    // Someone removed two reasons from Baton's property in HubSpot.
    const reason = portal.properties.get('baton_disqualification_reason')!;
    reason.options = reason.options.filter((o) => o.value !== 'budget' && o.value !== 'timing');
    expect((await check.check()).missing).toEqual([
      'baton_disqualification_reason: options missing: timing, budget',
    ]);
    expect((await check.ensure()).ok).toBe(true);
    expect(portal.properties.get('baton_disqualification_reason')!.options.map((o) => o.value)).toEqual(
      expect.arrayContaining(['timing', 'budget', 'no_need', 'other']),
    );
  });

  it('names options of HubSpot-defined properties Baton writes but cannot add itself', async () => {
    const { portal, check } = await hubspotPortal();
    const status = portal.properties.get('hs_lead_status')!;
    status.options = status.options.filter((o) => o.value !== 'BAD_TIMING');
    const result = await check.ensure();
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual(['hs_lead_status: options missing: BAD_TIMING']);
    expect(result.message).toMatch(
      /To fix: add the missing options of HubSpot-defined properties in HubSpot/,
    );
  });

  it('reports a Salesforce org without Baton fields, naming who creates them, and passes a Baton-ready org', async () => {
    const mapping = loadConnectorPolicy(dir, 'salesforce').mapping.policy as SalesforceMapping;
    const checkOf = async (opts: Parameters<typeof startSalesforceSandbox>[0]) => {
      const org = await startSalesforceSandbox(opts);
      closers.push(() => org.close());
      const api = new SalesforceApi({
        instanceUrl: org.instanceUrl,
        accessToken: org.accessToken,
        version: org.apiVersion,
        clientId: 'baton',
        limiter: limiter('salesforce'),
      });
      return new CrmSetupCheck({ provider: 'salesforce', api, mapping });
    };
    const bare = await (await checkOf({})).ensure();
    expect(bare.ok).toBe(false);
    expect(bare.missing).toEqual(
      expect.arrayContaining([
        'Baton_Score__c: field not found on Lead',
        'Baton_Handoff_Summary__c: field not found on Lead',
        'Baton_Disqualification_Reason__c: field not found on Lead',
        'Baton_Lifecycle_Stage__c: field not found on Lead',
        expect.stringMatching(/^Status: picklist values missing: .*Bad Timing/),
      ]),
    );
    expect(bare.message).toMatch(
      /^Salesforce org is not set up for Baton, whose writes it would reject: .*An admin creates the Lead fields .*`npx nx run crm-connector:provision` then checks them\.$/,
    );
    const ready = await checkOf({
      customFields: BATON_SALESFORCE_FIELDS,
      leadStatuses: SAMPLE_LEAD_STATUSES,
    });
    expect(await ready.check()).toEqual({
      ok: true,
      missing: [],
      message: 'Salesforce org is set up for Baton',
    });
  });
});
