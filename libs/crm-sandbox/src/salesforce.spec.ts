import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from './index.js';

/** jsforce's HttpApiError carries the Salesforce errorCode. */
async function sfError(
  promise: PromiseLike<unknown>,
): Promise<{ errorCode: string; message: string; data: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as { errorCode: string; message: string; data: unknown };
  }
  throw new Error('expected the jsforce call to fail');
}

describe('Salesforce sandbox REST through jsforce', () => {
  let sandbox: SalesforceSandbox;
  let conn: jsforce.Connection;
  const queue = '00G000000000001AAA';

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({
      customFields: [
        { object: 'Lead', name: 'Baton_Score__c', type: 'double' },
        { object: 'Lead', name: 'Baton_Handoff_Summary__c', type: 'textarea' },
        {
          object: 'Lead',
          name: 'Disqualification_Reason__c',
          type: 'picklist',
          picklistValues: ['No budget', 'Bad timing'],
          restrictedPicklist: true,
        },
      ],
      assignmentRuleOwnerId: queue,
    });
    conn = new jsforce.Connection({
      instanceUrl: sandbox.instanceUrl,
      accessToken: sandbox.accessToken,
      version: sandbox.apiVersion,
      callOptions: { client: 'baton' },
    });
  });
  afterAll(() => sandbox.close());

  it('creates and retrieves a lead with Salesforce ids, attributes and datetimes', async () => {
    const created = await conn.sobject('Lead').create({
      FirstName: 'Lena',
      LastName: 'Meyer',
      Company: 'Acme',
      Email: 'lena@acme.test',
      NumberOfEmployees: 120,
    });
    expect(created).toMatchObject({ success: true, errors: [] });
    const id = (created as { id: string }).id;
    expect(id).toMatch(/^00Q[a-zA-Z0-9]{15}$/);
    const lead = await conn.sobject('Lead').retrieve(id);
    expect(lead).toMatchObject({
      attributes: { type: 'Lead', url: `/services/data/v${sandbox.apiVersion}/sobjects/Lead/${id}` },
      Id: id,
      Name: 'Lena Meyer',
      Status: 'Open - Not Contacted',
      IsConverted: false,
      NumberOfEmployees: 120,
    });
    // Salesforce keeps datetimes to the second.
    expect(String(lead.LastModifiedDate)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    // The 15-character form of an id works too.
    expect((await conn.sobject('Lead').retrieve(id.slice(0, 15))).Id).toBe(id);
  });

  it('rejects missing required fields and unknown or read-only fields with Salesforce error codes', async () => {
    expect(
      (await sfError(conn.sobject('Lead').create({ FirstName: 'No', Email: 'x@y.test' }))).errorCode,
    ).toBe('REQUIRED_FIELD_MISSING');
    const lead = sandbox.createLead({ LastName: 'Roe', Company: 'Beta' });
    expect((await sfError(conn.sobject('Lead').update({ Id: String(lead.Id), Nope__c: 1 }))).errorCode).toBe(
      'INVALID_FIELD',
    );
    expect(
      (await sfError(conn.sobject('Lead').update({ Id: String(lead.Id), IsConverted: true }))).errorCode,
    ).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    expect(
      (await sfError(conn.sobject('Lead').update({ Id: String(lead.Id), Status: 'Hot' }))).errorCode,
    ).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(
      (await sfError(conn.sobject('Lead').update({ Id: String(lead.Id), OwnerId: 'nope' }))).errorCode,
    ).toBe('MALFORMED_ID');
    expect((await sfError(conn.sobject('Lead').retrieve('00Q000000000000AAA'))).errorCode).toBe('NOT_FOUND');
  });

  it('updates the owner only when Sforce-Auto-Assign: FALSE stops the assignment rule', async () => {
    const lead = sandbox.createLead({ LastName: 'Owner', Company: 'Gamma' });
    const rep = sandbox.users[1].Id;
    await conn.sobject('Lead').update({ Id: String(lead.Id), OwnerId: rep });
    expect(sandbox.leads.get(String(lead.Id))!.OwnerId).toBe(queue);

    const result = await conn
      .sobject('Lead')
      .update(
        { Id: String(lead.Id), OwnerId: rep, Baton_Score__c: 87 },
        { headers: { 'Sforce-Auto-Assign': 'FALSE' } },
      );
    expect(result).toMatchObject({ id: lead.Id, success: true });
    expect(sandbox.leads.get(String(lead.Id))).toMatchObject({ OwnerId: rep, Baton_Score__c: 87 });
    const patch = sandbox.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch.headers['sforce-auto-assign']).toBe('FALSE');
    expect(patch.status).toBe(204);
  });

  it('publishes a change event for REST writes whose changeOrigin names the client', async () => {
    const lead = sandbox.createLead({ LastName: 'Echo', Company: 'Delta' });
    await conn
      .sobject('Lead')
      .update(
        { Id: String(lead.Id), Status: 'Working - Contacted' },
        { headers: { 'Sforce-Auto-Assign': 'FALSE' } },
      );
    const event = sandbox.retained.at(-1)!;
    expect(event.channel).toBe('/data/LeadChangeEvent');
    expect(event.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Lead',
      recordIds: [lead.Id],
      changeType: 'UPDATE',
      changeOrigin: `com/salesforce/api/rest/${sandbox.apiVersion};client=baton`,
      commitUser: sandbox.integrationUserId,
      changedFields: ['Status', 'LastModifiedDate'],
    });
    expect(event.payload.Status).toBe('Working - Contacted');
    expect(event.payload.Company).toBeUndefined();
  });

  it('answers the SOQL subset: Id IN, LastModifiedDate >, ORDER BY, LIMIT', async () => {
    let t = Date.parse('2026-01-10T08:00:00Z');
    const clocked = await startSalesforceSandbox({ now: () => t });
    try {
      const c = new jsforce.Connection({
        instanceUrl: clocked.instanceUrl,
        accessToken: clocked.accessToken,
        version: clocked.apiVersion,
      });
      const ids: string[] = [];
      for (const name of ['One', 'Two', 'Three']) {
        ids.push(
          String(
            clocked.createLead({ LastName: name, Company: 'Epsilon', Email: `${name.toLowerCase()}@e.test` })
              .Id,
          ),
        );
        t += 60_000;
      }
      const byId = await c.query<{ Id: string; Email: string }>(
        `SELECT Id, Email FROM Lead WHERE Id IN ('${ids[0]}', '${ids[2].slice(0, 15)}')`,
      );
      expect(byId.totalSize).toBe(2);
      expect(byId.done).toBe(true);
      expect(byId.records.map((r) => r.Email).sort()).toEqual(['one@e.test', 'three@e.test']);
      expect(byId.records[0]).toHaveProperty('attributes.type', 'Lead');

      const recent = await c.query<{ Id: string; LastName: string }>(
        'SELECT Id, LastName, LastModifiedDate FROM Lead WHERE LastModifiedDate > 2026-01-10T08:00:30Z ORDER BY LastModifiedDate DESC LIMIT 1',
      );
      expect(recent.records.map((r) => r.LastName)).toEqual(['Three']);

      const bad = await sfError(c.query('SELECT Id FROM Lead WHERE Foo__c = 1'));
      expect(bad.errorCode).toBe('INVALID_FIELD');
      expect((await sfError(c.query('SELECT FROM Lead'))).errorCode).toBe('MALFORMED_QUERY');
    } finally {
      await clocked.close();
    }
  });

  it('describes Lead with picklist values and custom fields', async () => {
    const describe = await conn.sobject('Lead').describe();
    expect(describe.keyPrefix).toBe('00Q');
    const status = describe.fields.find((f) => f.name === 'Status')!;
    expect(status.picklistValues!.map((p) => p.value)).toContain('Closed - Not Converted');
    const reason = describe.fields.find((f) => f.name === 'Disqualification_Reason__c')!;
    expect(reason).toMatchObject({ custom: true, type: 'picklist', restrictedPicklist: true });
  });

  it('updates many leads in one composite/sobjects call with per-record results', async () => {
    const a = sandbox.createLead({ LastName: 'A', Company: 'Zeta' });
    const b = sandbox.createLead({ LastName: 'B', Company: 'Zeta' });
    const before = sandbox.requests.length;
    const results = await conn.sobject('Lead').update([
      { Id: String(a.Id), Baton_Score__c: 10 },
      { Id: String(b.Id), Disqualification_Reason__c: 'Not a reason' },
    ]);
    expect(sandbox.requests.length - before).toBe(1);
    expect(sandbox.requests.at(-1)!.path).toBe(`/services/data/v${sandbox.apiVersion}/composite/sobjects`);
    expect(results[0]).toMatchObject({ id: a.Id, success: true });
    expect(results[1]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' }],
    });
  });

  it('creates tasks and campaign members', async () => {
    const lead = sandbox.createLead({ LastName: 'Nurture', Company: 'Eta' });
    const task = await conn.sobject('Task').create({
      WhoId: lead.Id,
      Subject: 'Call within 5 minutes',
      OwnerId: sandbox.users[0].Id,
      ActivityDate: '2026-11-24',
    });
    expect(task).toMatchObject({ success: true });
    const stored = sandbox.tasks.get((task as { id: string }).id)!;
    expect(stored).toMatchObject({ Status: 'Not Started', Priority: 'Normal', WhoId: lead.Id });
    expect(sandbox.retained.at(-1)!.channel).toBe('/data/TaskChangeEvent');

    const member = await conn
      .sobject('CampaignMember')
      .create({ CampaignId: '701000000000001AAA', LeadId: lead.Id, Status: 'Sent' });
    expect(member).toMatchObject({ success: true });
    expect(sandbox.campaignMembers.at(-1)).toMatchObject({
      CampaignId: '701000000000001AAA',
      LeadId: lead.Id,
    });
    const duplicate = await sfError(
      conn.sobject('CampaignMember').create({ CampaignId: '701000000000001AAA', LeadId: lead.Id }),
    );
    expect(duplicate.errorCode).toBe('DUPLICATE_VALUE');
  });

  it('reports api usage in Sforce-Limit-Info and injects failures', async () => {
    const lead = sandbox.createLead({ LastName: 'Flaky', Company: 'Theta' });
    const touch = () =>
      conn
        .sobject('Lead')
        .update({ Id: String(lead.Id), Title: 'CTO' }, { headers: { 'Sforce-Auto-Assign': 'FALSE' } });
    await touch();
    expect(conn.limitInfo.apiUsage).toEqual({ used: sandbox.apiUsage().used, limit: 15_000 });

    // PATCH is not retried by jsforce (it retries GET/PUT/DELETE on 5xx), so the injected error surfaces.
    sandbox.failNext(503);
    expect((await sfError(touch())).errorCode).toBe('SERVER_UNAVAILABLE');
    sandbox.failNext(403);
    expect((await sfError(touch())).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    sandbox.failNext(500, { errorCode: 'UNABLE_TO_LOCK_ROW' });
    expect((await sfError(touch())).errorCode).toBe('UNABLE_TO_LOCK_ROW');
    expect(sandbox.requests.slice(-3).map((r) => r.status)).toEqual([503, 403, 500]);
    await expect(touch()).resolves.toMatchObject({ success: true });
  });

  it('enforces the daily allocation and the session token', async () => {
    const small = await startSalesforceSandbox({ dailyLimit: 2 });
    try {
      const c = new jsforce.Connection({
        instanceUrl: small.instanceUrl,
        accessToken: small.accessToken,
        version: small.apiVersion,
      });
      await c.query('SELECT Id FROM Lead');
      await c.query('SELECT Id FROM Lead');
      expect((await sfError(c.query('SELECT Id FROM Lead'))).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(small.requests.at(-1)!.status).toBe(403);

      const stranger = new jsforce.Connection({
        instanceUrl: small.instanceUrl,
        accessToken: 'wrong',
        version: small.apiVersion,
      });
      expect((await sfError(stranger.query('SELECT Id FROM Lead'))).errorCode).toBe('INVALID_SESSION_ID');
    } finally {
      await small.close();
    }
  });
});
