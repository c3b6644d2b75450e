import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import type { SalesforceSandbox } from '@baton/crm-sandbox';
import { allEvents, domainEvents, settle, tearDown, type RunningConnector } from '../../test/harness.js';
import { startSalesforceConnector } from '../../test/salesforce.js';

let org: SalesforceSandbox;
let running: RunningConnector;

beforeAll(async () => {
  ({ org, running } = await startSalesforceConnector('sfpoll', {
    SALESFORCE_CDC: 'off',
    SALESFORCE_POLL_INTERVAL_MS: '200',
  }));
});

afterAll(() => tearDown(running, org));

describe('Salesforce polling fallback (SALESFORCE_CDC=off)', () => {
  it('reads new and changed leads and logged tasks by LastModifiedDate, each once', async () => {
    const lead = org.createLead({
      FirstName: 'Polly',
      LastName: 'Ng',
      Company: 'No CDC Corp',
      Status: 'Open - Not Contacted',
    });
    const leadId = `salesforce:Lead:${lead.Id as string}`;
    const created = await domainEvents<{ change: string }>(running.env, Topics.LeadProfile, (e) =>
      e.some((x) => x.subject === leadId),
    );
    expect(created.filter((x) => x.subject === leadId).map((x) => x.data.change)).toEqual(['created']);

    org.updateLead(lead.Id as string, { Status: 'Working - Contacted' });
    org.logTask({ WhoId: lead.Id, Subject: 'Intro call', TaskSubtype: 'Call' });
    const activities = await domainEvents<{ kind: string }>(
      running.env,
      Topics.LeadActivity,
      (e) => e.filter((x) => x.subject === leadId).length >= 2,
    );
    expect(
      activities
        .filter((x) => x.subject === leadId)
        .map((x) => x.data.kind)
        .sort(),
    ).toEqual(['call_logged', 'status_changed']);

    // Several polls later nothing was read twice (saves share a second; the cursor remembers them).
    await settle(1500);
    const profiles = await allEvents<{ change: string }>(running.env, Topics.LeadProfile);
    expect(profiles.filter((x) => x.subject === leadId).map((x) => x.data.change)).toEqual([
      'created',
      'updated',
    ]);
    expect(
      (await allEvents(running.env, Topics.LeadActivity)).filter((x) => x.subject === leadId),
    ).toHaveLength(2);
  });
});
