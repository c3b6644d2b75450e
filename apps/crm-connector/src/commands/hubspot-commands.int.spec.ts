import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { Headers } from '@baton/kafka';
import type { HubSpotSandbox } from '@baton/crm-sandbox';
import { kafkaFor, readTopic, waitFor } from '@baton/testing';
import { enrolNurture, publishCommands, updateLead } from '../../test/commands.js';
import { domainEvents, settle, tearDown, type RunningConnector } from '../../test/harness.js';
import { startHubSpotConnector } from '../../test/hubspot.js';

let hubspot: HubSpotSandbox;
let running: RunningConnector;

beforeAll(async () => {
  ({ hubspot, running } = await startHubSpotConnector('hscmd', {
    sandbox: { clientSecret: 'cmd-secret', appId: 777 },
    vars: { HUBSPOT_CLIENT_SECRET: 'cmd-secret', HUBSPOT_APP_ID: '777' },
    options: {
      commandRetry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100 },
      tuning: { crmRetry: { attempts: 4, initialDelayMs: 50, maxDelayMs: 500 } },
    },
  }));
});

afterAll(() => tearDown(running, hubspot));

const patchesOf = (id: string) =>
  hubspot.requests.filter((r) => r.method === 'PATCH' && r.path === `/crm/v3/objects/contacts/${id}`);

describe('crm.command.v1 on HubSpot', () => {
  it('writes the whole handoff in two calls (scoring + routing), once, even when the commands are replayed', async () => {
    const owner = hubspot.owners[1];
    const c = hubspot.createContact({ firstname: 'Grace', lastname: 'Hopper', email: 'grace@navy.mil' });
    const qualify = updateLead('hubspot', c.id, {
      lifecycleStage: 'sql',
      score: 87,
      handoffSummary: 'Requested a demo; viewed pricing twice',
    });
    const route = updateLead('hubspot', c.id, { ownerId: owner.id }, 'baton/routing');
    await publishCommands(running.env, [qualify, route]);
    await waitFor(
      async () => hubspot.contacts.get(c.id)!.properties.hubspot_owner_id === owner.id,
      60_000,
      'owner written',
    );
    expect(hubspot.contacts.get(c.id)!.properties).toMatchObject({
      lifecyclestage: 'salesqualifiedlead',
      baton_score: '87',
      baton_handoff_summary: 'Requested a demo; viewed pricing twice',
      hubspot_owner_id: owner.id,
    });
    expect(patchesOf(c.id)).toHaveLength(2);

    await publishCommands(running.env, [qualify, route]);
    await settle(2000);
    expect(patchesOf(c.id)).toHaveLength(2);
  });

  it("does not let its own writes come back as a person's changes (changeSource and write log), but passes a rep's change", async () => {
    const c = hubspot.createContact({ firstname: 'Echo', lastname: 'Test', hs_lead_status: 'NEW' });
    const leadId = `hubspot:contact:${c.id}`;
    const owner = hubspot.owners[0];
    await publishCommands(running.env, [
      updateLead('hubspot', c.id, { lifecycleStage: 'sql', ownerId: owner.id, leadStatus: 'open' }),
    ]);
    await waitFor(async () => patchesOf(c.id).length === 1, 60_000, 'command executed');
    const url = `${running.url}/webhooks/hubspot`;
    // HubSpot reports our PATCH back: one event tagged with our app, two only matching the write log.
    await hubspot.sendWebhook(url, [
      hubspot.webhookEvent({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(c.id),
        propertyName: 'lifecyclestage',
        propertyValue: 'salesqualifiedlead',
        changeSource: 'INTEGRATION',
        sourceId: '777',
      }),
      hubspot.webhookEvent({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(c.id),
        propertyName: 'hubspot_owner_id',
        propertyValue: owner.id,
        changeSource: 'API',
      }),
      hubspot.webhookEvent({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(c.id),
        propertyName: 'hs_lead_status',
        propertyValue: 'OPEN',
        changeSource: 'API',
      }),
    ]);
    await settle(1500);
    // Then the rep calls and sets the status by hand.
    hubspot.contacts.get(c.id)!.properties.hs_lead_status = 'CONNECTED';
    await hubspot.sendWebhook(url, [
      hubspot.webhookEvent({
        subscriptionType: 'contact.propertyChange',
        objectId: Number(c.id),
        propertyName: 'hs_lead_status',
        propertyValue: 'CONNECTED',
      }),
    ]);

    const activities = await domainEvents<{ kind: string; status?: { from?: string; to: string } }>(
      running.env,
      Topics.LeadActivity,
      (e) => e.some((a) => a.subject === leadId),
    );
    await settle(1000);
    const again = await domainEvents<{ kind: string; status?: { from?: string; to: string } }>(
      running.env,
      Topics.LeadActivity,
      (e) => e.length >= activities.length,
    );
    const mine = again.filter((a) => a.subject === leadId);
    expect(mine.map((a) => a.data.kind)).toEqual(['status_changed']);
    expect(mine[0].data.status).toEqual({ from: 'open', to: 'connected' });
    const profiles = await domainEvents<{ changedFields?: string[] }>(running.env, Topics.LeadProfile, (e) =>
      e.some((p) => p.subject === leadId),
    );
    expect(profiles.filter((p) => p.subject === leadId).map((p) => p.data.changedFields)).toEqual([
      ['leadStatus'],
    ]);
  });

  it('enrols a recycled lead in the nurture list', async () => {
    const c = hubspot.createContact({ firstname: 'Nurture', lastname: 'Me' });
    await publishCommands(running.env, [
      updateLead('hubspot', c.id, { lifecycleStage: 'nurture' }),
      enrolNurture('hubspot', c.id, '42'),
    ]);
    await waitFor(async () => hubspot.lists.get('42')?.has(c.id), 60_000, 'list membership');
    expect(hubspot.contacts.get(c.id)!.properties.lifecyclestage).toBe('lead');
  });

  it('retries 429 (after Retry-After) and 500, and dead-letters a command HubSpot rejects', async () => {
    const c = hubspot.createContact({ firstname: 'Retry', lastname: 'Me' });
    hubspot.failNext(429, { retryAfterSeconds: 1 });
    hubspot.failNext(500);
    await publishCommands(running.env, [updateLead('hubspot', c.id, { score: 42 })]);
    await waitFor(
      async () => hubspot.contacts.get(c.id)!.properties.baton_score === '42',
      60_000,
      'score written after retries',
    );
    const attempts = patchesOf(c.id);
    expect(attempts.map((r) => r.status)).toEqual([429, 500, 200]);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(1000);

    const bad = updateLead('hubspot', c.id, { ownerId: '999999' });
    await publishCommands(running.env, [bad]);
    const dlq = await readTopic(kafkaFor({ ...running.env }), Topics.CrmCommand, {
      dlq: true,
      until: (s) => s.some((m) => m.key === bad.leadId),
    });
    const dead = dlq.find((m) => m.json<{ data: { commandId: string } }>().data.commandId === bad.commandId)!;
    expect(dead.headers[Headers.dlqKind]).toBe('permanent');
    expect(dead.headers[Headers.dlqReason]).toContain('400');
    // A permanent rejection is not retried against the API.
    expect(patchesOf(c.id).filter((r) => r.status === 400)).toHaveLength(1);
  });
});
