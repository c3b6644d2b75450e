import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import type { SalesforceSandbox } from '@baton/crm-sandbox';
import { query, waitFor } from '@baton/testing';
import { publishCommands, updateLead } from '../../test/commands.js';
import {
  domainEvents,
  settle,
  startConnector,
  tearDown,
  type ConnectorTestEnv,
  type RunningConnector,
} from '../../test/harness.js';
import { startSalesforceConnector } from '../../test/salesforce.js';
import { checkSalesforce } from '../provision/provision.js';
import { SALESFORCE_MAPPING, type SalesforceMapping } from '../policy/policy.js';
import { SalesforceApi } from './salesforce-api.js';

let org: SalesforceSandbox;
let env: ConnectorTestEnv;
let running: RunningConnector;

beforeAll(async () => {
  ({ org, env, running } = await startSalesforceConnector(
    'sfcdc',
    {},
    { commandRetry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100 } },
  ));
});

afterAll(() => tearDown(running, org, env));

type Profile = {
  change: string;
  identity: Record<string, string>;
  leadStatus?: string;
  changedFields?: string[];
};
type Activity = {
  kind: string;
  status?: { from?: string; to: string };
  owner?: { to: string };
  subject?: string;
};

const of = <T>(events: { subject: string; data: T }[], leadId: string) =>
  events.filter((e) => e.subject === leadId).map((e) => e.data);

describe('Salesforce Change Data Capture', () => {
  it('checks the fields Baton writes (provision), and turns lead and task changes into domain events', async () => {
    const report = await checkSalesforce(
      running.get(SalesforceApi),
      running.get<SalesforceMapping>(SALESFORCE_MAPPING),
    );
    expect(report.missing).toEqual([]);

    const lead = org.createLead({
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Company: 'Analytical Engines',
      Email: 'ada@analytical.io',
      Title: 'CTO',
      Country: 'GB',
      NumberOfEmployees: 80,
      Status: 'Open - Not Contacted',
    });
    const leadId = `salesforce:Lead:${lead.Id as string}`;
    const profiles = await domainEvents<Profile>(env, Topics.LeadProfile, (e) => of(e, leadId).length >= 1);
    expect(of(profiles, leadId)[0]).toMatchObject({
      change: 'created',
      identity: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical Engines',
        title: 'CTO',
        country: 'GB',
      },
      firmographics: { employees: 80 },
      leadStatus: 'new',
    });

    org.updateLead(lead.Id as string, { Status: 'Working - Contacted' });
    org.logTask({ WhoId: lead.Id, Subject: 'Discovery call', TaskSubtype: 'Call' });
    org.logTask({
      WhoId: lead.Id,
      Subject: 'Request a demo',
      Type: 'Form Submission',
      TaskSubtype: 'Task',
      Description: 'Submitted on https://www.example.com/demo',
    });
    const activities = await domainEvents<Activity>(
      env,
      Topics.LeadActivity,
      (e) => of(e, leadId).length >= 2,
    );
    expect(
      of(activities, leadId)
        .map((a) => a.kind)
        .sort(),
    ).toEqual(['call_logged', 'status_changed']);
    expect(of(activities, leadId).find((a) => a.kind === 'status_changed')!.status).toEqual({
      from: 'new',
      to: 'connected',
    });
    const engagements = await domainEvents<{ kind: string; detail: { title?: string; url?: string } }>(
      env,
      Topics.LeadEngagement,
      (e) => of(e, leadId).length >= 1,
    );
    expect(of(engagements, leadId)).toEqual([
      expect.objectContaining({
        kind: 'demo_requested',
        detail: { title: 'Request a demo', url: 'https://www.example.com/demo' },
      }),
    ]);
  });

  it('writes the owner with Sforce-Auto-Assign: FALSE in one PATCH, and drops the echo of that write', async () => {
    const lead = org.createLead({ LastName: 'Hopper', Company: 'Navy', Status: 'Open - Not Contacted' });
    const id = lead.Id as string;
    const leadId = `salesforce:Lead:${id}`;
    await domainEvents<Profile>(env, Topics.LeadProfile, (e) => of(e, leadId).length >= 1);
    const rep = org.users.find((u) => u.Id !== org.integrationUserId && u.Id !== lead.OwnerId)!;
    await publishCommands(env, [
      updateLead('salesforce', id, {
        lifecycleStage: 'sql',
        score: 91,
        handoffSummary: 'Demo request + pricing',
        ownerId: rep.Id,
      }),
    ]);
    await waitFor(async () => org.leads.get(id)?.OwnerId === rep.Id, 60_000, 'owner written');
    const patches = org.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith(`/sobjects/Lead/${id}`),
    );
    expect(patches).toHaveLength(1);
    expect(patches[0].headers['sforce-auto-assign']).toBe('FALSE');
    expect(org.leads.get(id)).toMatchObject({
      Baton_Score__c: 91,
      Baton_Lifecycle_Stage__c: 'SQL',
      Baton_Handoff_Summary__c: 'Demo request + pricing',
    });
    // The CDC echo of our PATCH (changeOrigin client=baton-crm-connector) is not a rep's activity.
    await settle(2000);
    const activities = await domainEvents<Activity>(env, Topics.LeadActivity, () => true, 5000);
    expect(of(activities, leadId)).toEqual([]);
    const profiles = await domainEvents<Profile>(env, Topics.LeadProfile, (e) => of(e, leadId).length >= 1);
    expect(of(profiles, leadId).map((p) => p.change)).toEqual(['created']);
  });

  it('re-reads the records of a GAP event and emits what changed', async () => {
    const lead = org.createLead({ LastName: 'Gap', Company: 'Overflow Inc', Status: 'Working - Contacted' });
    const id = lead.Id as string;
    const leadId = `salesforce:Lead:${id}`;
    await domainEvents<Profile>(env, Topics.LeadProfile, (e) => of(e, leadId).length >= 1);
    // The change itself was lost to the stream; only a gap notice arrives.
    Object.assign(org.leads.get(id)!, {
      Status: 'Closed - Not Converted',
      Baton_Disqualification_Reason__c: 'Budget',
    });
    org.emitGap('Lead', [id], 'GAP_UPDATE');
    const dq = await domainEvents<{ reason: string }>(
      env,
      Topics.LeadDisqualified,
      (e) => of(e, leadId).length >= 1,
    );
    expect(of(dq, leadId)).toEqual([expect.objectContaining({ reason: 'budget' })]);
    expect(
      org.requests.some(
        (r) =>
          r.method === 'GET' &&
          r.path.endsWith('/query') &&
          decodeURIComponent(r.query ?? '').includes(id.slice(0, 15)),
      ),
    ).toBe(true);
  });

  it('resumes from the stored replayId after a restart: nothing missed, nothing replayed twice', async () => {
    const before = org.createLead({
      LastName: 'Before',
      Company: 'Restart Ltd',
      Status: 'Open - Not Contacted',
    });
    const beforeId = `salesforce:Lead:${before.Id as string}`;
    await domainEvents<Profile>(env, Topics.LeadProfile, (e) => of(e, beforeId).length >= 1);
    await waitFor(async () => {
      const rows = await query<{ position: string }>(
        `SELECT position FROM ${env.DATABASE_SCHEMA}.stream_cursor WHERE name = 'cdc:/data/LeadChangeEvent'`,
      );
      return rows.length === 1 && Number(rows[0].position) > 0;
    });
    await running.stop();

    // While the connector is down, people keep working in Salesforce.
    const during = org.createLead({
      LastName: 'During',
      Company: 'Downtime Co',
      Status: 'Open - Not Contacted',
    });
    const duringId = `salesforce:Lead:${during.Id as string}`;
    org.updateLead(before.Id as string, { Status: 'Working - Contacted' });

    running = await startConnector(env, {
      commandRetry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100 },
    });
    const profiles = await domainEvents<Profile>(
      env,
      Topics.LeadProfile,
      (e) => of(e, duringId).length >= 1 && of(e, beforeId).length >= 2,
    );
    expect(of(profiles, duringId).map((p) => p.change)).toEqual(['created']);
    expect(of(profiles, beforeId).map((p) => p.change)).toEqual(['created', 'updated']);
    const activities = await domainEvents<Activity>(
      env,
      Topics.LeadActivity,
      (e) => of(e, beforeId).length >= 1,
    );
    expect(of(activities, beforeId).map((a) => a.status)).toEqual([{ from: 'new', to: 'connected' }]);
  });
});
