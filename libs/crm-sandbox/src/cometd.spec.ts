import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type ChangeEventPayload, type SalesforceSandbox } from './index.js';

/** A CDC message as jsforce hands it to a listener: the Bayeux `data`. */
interface CdcMessage {
  schema: string;
  payload: ChangeEventPayload;
  event: { replayId: number };
}

interface FayeClient {
  subscribe(channel: string, listener: (message: CdcMessage) => void): PromiseLike<void>;
  disconnect(): void;
}

async function waitFor(probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Salesforce CDC over CometD through jsforce streaming', () => {
  let sandbox: SalesforceSandbox;
  const clients: FayeClient[] = [];
  let t = Date.parse('2026-11-20T09:00:00Z');

  const connection = (accessToken = sandbox.accessToken) =>
    new jsforce.Connection({ instanceUrl: sandbox.instanceUrl, accessToken, version: sandbox.apiVersion });

  /** A streaming client that resumes from `replayId` with jsforce's Replay extension. */
  const replayClient = (replayId: number, extra: unknown[] = []) => {
    const client = connection().streaming.createClient([
      new StreamingExtension.Replay('/data/LeadChangeEvent', replayId),
      ...extra,
    ]) as unknown as FayeClient;
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await sandbox?.close();
  });

  it('delivers a CREATE LeadChangeEvent to conn.streaming.topic(...).subscribe', async () => {
    sandbox = await startSalesforceSandbox({ now: () => t });
    const conn = connection();
    const received: CdcMessage[] = [];
    const subscription = conn.streaming
      .topic('/data/LeadChangeEvent')
      .subscribe((m) => received.push(m as unknown as CdcMessage));
    clients.push(conn.streaming._fayeClients.pushTopic as unknown as FayeClient);
    await subscription;

    const lead = sandbox.createLead({
      FirstName: 'Lena',
      LastName: 'Meyer',
      Company: 'Acme',
      Email: 'lena@acme.test',
      Country: 'DE',
      OwnerId: sandbox.users[1].Id,
    });
    await waitFor(() => received.length === 1);
    const [message] = received;
    expect(message.event.replayId).toBe(sandbox.retained.at(-1)!.replayId);
    expect(typeof message.schema).toBe('string');
    expect(message.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Lead',
      recordIds: [lead.Id],
      changeType: 'CREATE',
      changeOrigin: `com/salesforce/api/soap/${sandbox.apiVersion};client=SfdcInternalAPI/`,
      commitTimestamp: t,
      commitUser: sandbox.users[0].Id,
      changedFields: [],
      sequenceNumber: 1,
    });
    expect(typeof message.payload.ChangeEventHeader.transactionKey).toBe('string');
    expect(typeof message.payload.ChangeEventHeader.commitNumber).toBe('number');
    // CDC nests compound fields: Name and Address.
    expect(message.payload).toMatchObject({
      Name: { FirstName: 'Lena', LastName: 'Meyer' },
      Address: { Country: 'DE' },
      Company: 'Acme',
      Email: 'lena@acme.test',
      OwnerId: sandbox.users[1].Id,
      Status: 'Open - Not Contacted',
    });

    sandbox.updateLead(
      String(lead.Id),
      { Status: 'Working - Contacted', LastName: 'Meyer-Schulz' },
      { changeOrigin: 'com/salesforce/api/rest/62.0;client=baton' },
    );
    await waitFor(() => received.length === 2);
    expect(received[1].payload.ChangeEventHeader).toMatchObject({
      changeType: 'UPDATE',
      changeOrigin: 'com/salesforce/api/rest/62.0;client=baton',
      changedFields: ['Status', 'Name.LastName', 'LastModifiedDate'],
    });
    expect(received[1].event.replayId).toBeGreaterThan(received[0].event.replayId);
  });

  it('resumes after a restart from the stored replayId with StreamingExtension.Replay', async () => {
    sandbox = await startSalesforceSandbox({ now: () => t });
    const first: CdcMessage[] = [];
    await replayClient(-1).subscribe('/data/LeadChangeEvent', (m) => first.push(m));
    sandbox.createLead({ LastName: 'Before', Company: 'A' });
    await waitFor(() => first.length === 1);
    const stored = first[0].event.replayId;
    clients.pop()!.disconnect();

    // While the connector is down: two more changes.
    const missed = sandbox.createLead({ LastName: 'Missed', Company: 'B' });
    sandbox.updateLead(String(missed.Id), { Title: 'VP Sales' });

    const resumed: CdcMessage[] = [];
    await replayClient(stored).subscribe('/data/LeadChangeEvent', (m) => resumed.push(m));
    await waitFor(() => resumed.length === 2);
    expect(resumed.map((m) => m.payload.ChangeEventHeader.changeType)).toEqual(['CREATE', 'UPDATE']);
    expect(resumed.every((m) => m.event.replayId > stored)).toBe(true);

    // Then live events follow on the same subscription.
    sandbox.createLead({ LastName: 'Live', Company: 'C' });
    await waitFor(() => resumed.length === 3);
    expect(resumed[2].payload.Name).toMatchObject({ LastName: 'Live' });

    // -2 replays everything retained; -1 nothing.
    const all: CdcMessage[] = [];
    await replayClient(-2).subscribe('/data/LeadChangeEvent', (m) => all.push(m));
    await waitFor(() => all.length === 4);
    expect(all.map((m) => m.event.replayId)).toEqual(sandbox.retained.map((e) => e.replayId));
  });

  it('drops events after 3 days and rejects a replayId that fell out of retention', async () => {
    sandbox = await startSalesforceSandbox({ now: () => t });
    const old = sandbox.createLead({ LastName: 'Old', Company: 'A' });
    const oldReplayId = sandbox.retained.at(-1)!.replayId;
    sandbox.updateLead(String(old.Id), { Title: 'CEO' });
    t += 3 * 24 * 60 * 60 * 1000 + 1;
    sandbox.createLead({ LastName: 'Fresh', Company: 'B' });
    expect(sandbox.retained.map((e) => e.payload.ChangeEventHeader.changeType)).toEqual(['CREATE']);

    const failed = await Promise.resolve(
      replayClient(oldReplayId).subscribe('/data/LeadChangeEvent', () => undefined),
    ).then(
      () => undefined,
      (err: unknown) => err as { message: string },
    );
    // faye's Bayeux error grammar does not accept braces, so the client keeps the raw "400::..." string.
    expect(failed?.message).toBe(
      `400::The replayId {${oldReplayId}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
    );

    // -2 still works and only yields what is retained.
    const all: CdcMessage[] = [];
    await replayClient(-2).subscribe('/data/LeadChangeEvent', (m) => all.push(m));
    await waitFor(() => all.length === 1);
    expect(all[0].payload.Name).toMatchObject({ LastName: 'Fresh' });
  });

  it('delivers GAP events and TaskChangeEvents', async () => {
    sandbox = await startSalesforceSandbox({ now: () => t });
    const lead = sandbox.createLead({ LastName: 'Gap', Company: 'A' });
    const conn = connection();
    const leadEvents: CdcMessage[] = [];
    const taskEvents: CdcMessage[] = [];
    const leadSub = conn.streaming
      .topic('/data/LeadChangeEvent')
      .subscribe((m) => leadEvents.push(m as unknown as CdcMessage));
    const taskSub = conn.streaming
      .topic('/data/TaskChangeEvent')
      .subscribe((m) => taskEvents.push(m as unknown as CdcMessage));
    clients.push(conn.streaming._fayeClients.pushTopic as unknown as FayeClient);
    await Promise.all([leadSub, taskSub]);

    sandbox.emitGap('Lead', [String(lead.Id)]);
    sandbox.logTask({
      WhoId: lead.Id,
      Subject: 'Call',
      OwnerId: sandbox.users[2].Id,
      CallDurationInSeconds: 300,
    });
    await waitFor(() => leadEvents.length === 1 && taskEvents.length === 1);
    expect(leadEvents[0].payload.ChangeEventHeader).toMatchObject({
      changeType: 'GAP_UPDATE',
      recordIds: [lead.Id],
      entityName: 'Lead',
    });
    expect(leadEvents[0].payload.Name).toBeUndefined();
    expect(taskEvents[0].payload).toMatchObject({
      ChangeEventHeader: { entityName: 'Task', changeType: 'CREATE' },
      WhoId: lead.Id,
      TaskSubtype: 'Call',
      Status: 'Completed',
      CallDurationInSeconds: 300,
    });
  });

  it('denies the handshake for a bad token the way AuthFailure expects', async () => {
    sandbox = await startSalesforceSandbox({ now: () => t });
    const failures: { ext?: { sfdc?: { failureReason?: string } }; error?: string }[] = [];
    const client = connection('not-the-token').streaming.createClient([
      new StreamingExtension.AuthFailure((m: (typeof failures)[number]) => failures.push(m)),
    ]) as unknown as FayeClient;
    clients.push(client);
    void client.subscribe('/data/LeadChangeEvent', () => undefined);
    await waitFor(() => failures.length === 1);
    expect(failures[0]).toMatchObject({
      error: '403::Handshake denied',
      ext: { sfdc: { failureReason: '401::Authentication invalid' } },
    });
  });
});
