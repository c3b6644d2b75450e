import { afterAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, startSalesforceSandbox } from '@baton/crm-sandbox';
import { waitFor } from '@baton/testing';
import { publishCommands, updateLead } from '../../test/commands.js';
import { connectorEnv, readiness, settle, startConnector, tearDown } from '../../test/harness.js';
import { hubspotVars } from '../../test/hubspot.js';
import { salesforceVars } from '../../test/salesforce.js';
import { DEFAULT_TUNING } from '../config/tuning.js';
import { hubspotApiOf, hubspotLimiter } from '../hubspot/hubspot-api.js';
import { HUBSPOT_MAPPING, type HubSpotMapping } from '../policy/policy.js';
import { provisionHubSpot } from './provision.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (closers.length) await closers.pop()!();
});

describe('a CRM not set up for Baton', () => {
  it('keeps the connector unready and its commands waiting, still taking webhooks in; a provision run elsewhere lets both through without a restart', async () => {
    const hubspot = await startHubSpotSandbox({ clientSecret: 'gate-secret' });
    const env = connectorEnv('hsgate', hubspotVars(hubspot, { HUBSPOT_CLIENT_SECRET: 'gate-secret' }));
    const running = await startConnector(env);
    closers.push(() => tearDown(running, hubspot));

    const before = await readiness(running);
    expect(before.status).toBe(503);
    expect(before.checks).toMatchObject({ database: 'up', kafka: 'up' });
    expect(before.checks['crm-setup']).toMatch(
      /^down: HubSpot portal is not set up for Baton, whose writes it would reject: baton_score: contact property missing/,
    );
    expect(before.checks['crm-setup']).toContain('`npx nx run crm-connector:provision`');

    const c = hubspot.createContact({ firstname: 'Wait', lastname: 'ForIt' });
    const delivery = await hubspot.sendWebhook(`${running.url}/webhooks/hubspot`, [
      hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) }),
    ]);
    expect(delivery.status).toBe(200);
    await publishCommands(running.env, [updateLead('hubspot', c.id, { score: 42 })]);
    await settle(3000);
    const patches = () =>
      hubspot.requests.filter((r) => r.method === 'PATCH' && r.path === `/crm/v3/objects/contacts/${c.id}`);
    expect(patches()).toEqual([]);

    // An admin runs `provision` from elsewhere, with its own client.
    const limiter = hubspotLimiter(running.env, DEFAULT_TUNING.hubspotRateWindowMs);
    await provisionHubSpot(hubspotApiOf(running.env, limiter), running.get<HubSpotMapping>(HUBSPOT_MAPPING));
    limiter.close();

    await waitFor(async () => (await readiness(running)).status === 200, 30_000, 'ready after provision');
    expect((await readiness(running)).checks['crm-setup']).toBe('up');
    await waitFor(
      async () => hubspot.contacts.get(c.id)!.properties.baton_score === '42',
      30_000,
      'the waiting command executed',
    );
    // Sent once, when the portal could take it: nothing was rejected or dead-lettered.
    expect(patches().map((r) => r.status)).toEqual([200]);
  });

  it('is ready at once when the connector provisions at start (CRM_PROVISION_ON_START=true)', async () => {
    const hubspot = await startHubSpotSandbox({ clientSecret: 's' });
    const env = connectorEnv(
      'hsprovision',
      hubspotVars(hubspot, { HUBSPOT_CLIENT_SECRET: 's', CRM_PROVISION_ON_START: 'true' }),
    );
    const running = await startConnector(env, { consume: false });
    closers.push(() => tearDown(running, hubspot));
    expect(await readiness(running)).toMatchObject({ status: 200, checks: { 'crm-setup': 'up' } });
    expect([...hubspot.properties.keys()]).toEqual(
      expect.arrayContaining(['baton_score', 'baton_handoff_summary', 'baton_disqualification_reason']),
    );
  });

  it('names what a Salesforce org lacks, which only an admin adds (provisioning at start only checks)', async () => {
    const org = await startSalesforceSandbox({});
    const env = connectorEnv('sfgate', salesforceVars(org, { CRM_PROVISION_ON_START: 'true' }));
    const running = await startConnector(env, { consume: false });
    closers.push(() => tearDown(running, org));
    const ready = await readiness(running);
    expect(ready.status).toBe(503);
    expect(ready.checks['crm-setup']).toMatch(
      /^down: Salesforce org is not set up for Baton, whose writes it would reject: .*Baton_Score__c: field not found on Lead/,
    );
  });
});
