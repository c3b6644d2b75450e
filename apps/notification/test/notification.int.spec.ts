import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { Topics, type EventOf } from '@baton/domain';
import type { EventPublisher } from '@baton/kafka';
import { schemaDrift } from '@baton/persistence';
import type { TestService } from '@baton/service-testing';
import {
  dropSchema,
  isolatedEnv,
  kafkaFor,
  query,
  readTopic,
  waitFor,
  type SeenMessage,
} from '@baton/testing';
import { deliveryId } from '../src/delivery/delivery-key.js';
import {
  assignedEvent,
  leadAssigned,
  policyWith,
  startFakes,
  startNotification,
  upstream,
  type Breach,
  type Fakes,
} from './harness.js';

const base = isolatedEnv('notification');
const schema = base.DATABASE_SCHEMA!;
const kafka = kafkaFor(base);
let fakes: Fakes;
let service: TestService;
let routing: EventPublisher;
let sla: EventPublisher;

const alertId = (eventId: string, rep = 'ana.silva', channel: 'slack' | 'teams' | 'email' = 'slack') =>
  deliveryId(eventId, rep, channel, 'assignment_alert');
const dmOf = (userId: string, id: string) =>
  fakes.slack.dms(userId).filter((m) => m.metadata?.event_payload.delivery_id === id);
const settle = (ms = 1_500) => new Promise((r) => setTimeout(r, ms));

async function eventsOf<T>(
  topic: Parameters<typeof readTopic>[1],
  leadId: string,
  until: (e: T[]) => boolean,
) {
  const seen = await readTopic(kafka, topic, {
    until: (s: SeenMessage[]) =>
      until(s.filter((m) => m.key === leadId).map((m) => m.json<{ data: T }>().data)),
    timeoutMs: 60_000,
  });
  return seen.filter((m) => m.key === leadId).map((m) => m.json<{ data: T }>().data);
}

beforeAll(async () => {
  fakes = await startFakes();
  // The intro e-mail goes out at once here (its delay is the policy's; a later test checks the schedule).
  service = await startNotification(base, fakes, {
    policy: policyWith((p) => (p.policy.introEmail.delayMinutes = 0)),
  });
  routing = await upstream(base, 'routing');
  sla = await upstream(base, 'sla');
}, 120_000);

afterAll(async () => {
  await routing?.disconnect();
  await sla?.disconnect();
  await service?.stop();
  await fakes?.close();
  await dropSchema(schema);
});

describe('the assignment alert', () => {
  it('sends exactly one Slack DM with the essentials, also when lead.assigned is delivered twice', async () => {
    const a = leadAssigned(1);
    const event = assignedEvent(a);
    await routing.publish([event, event]);
    const id = alertId(event.id!);
    const [dm] = await fakes.slack.waitFor(() => dmOf('U0ANA', id).length > 0 && dmOf('U0ANA', id), 60_000);
    const text = JSON.stringify(dm.blocks);
    for (const fact of [
      'New lead for you: Priya Raman (Northwind Logistics)',
      'VP of Operations',
      '1,200 employees',
      'California, United States',
      '87 (threshold 60)',
      'Requested a demo (1 h ago)',
      'Viewed the pricing page (2 days ago)',
      'downloaded the security whitepaper, viewed pricing twice',
      'I saw you were reading our security whitepaper',
      'next in the NA enterprise rotation',
      'https://app.hubspot.com/contacts/4711/record/0-1/1',
      'baton_accepted',
      'baton_call_logged',
      'baton_not_mine',
    ])
      expect(text).toContain(fact);
    expect(dm.text).toContain('New lead for you: Priya Raman');
    const receipts = await eventsOf<EventOf<typeof Topics.NotificationSent>>(
      Topics.NotificationSent,
      a.leadId,
      (r) => r.some((x) => x.purpose === 'assignment_alert'),
    );
    const receipt = receipts.find((r) => r.purpose === 'assignment_alert')!;
    expect(receipt).toMatchObject({
      channel: 'slack',
      status: 'delivered',
      recipient: 'ana.silva',
      providerMessageId: dm.ts,
    });
    expect(receipt.latency?.fromAssignmentMs).toBeGreaterThanOrEqual(1_000);
    expect(receipt.latency?.fromSignalMs).toBeGreaterThanOrEqual(receipt.latency!.fromAssignmentMs!);
    await settle();
    expect(dmOf('U0ANA', id)).toHaveLength(1);
    expect(
      fakes.slack
        .callsOf('chat.postMessage')
        .filter((c) => c.args.metadata && JSON.stringify(c.args.metadata).includes(id)),
    ).toHaveLength(1);
  }, 90_000);

  it('waits out a Slack 429 (Retry-After) and then posts once', async () => {
    fakes.slack.failNext('chat.postMessage', { retryAfter: 1 });
    const event = assignedEvent(leadAssigned(2));
    const before = fakes.slack.calls.length;
    await routing.publish([event]);
    const id = alertId(event.id!);
    await fakes.slack.waitFor(() => dmOf('U0ANA', id).length === 1, 60_000);
    const posts = fakes.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((p) => p.status)).toEqual([429, 200]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(900);
    await settle();
    expect(dmOf('U0ANA', id)).toHaveLength(1);
  }, 90_000);

  it('goes to the next channel when Slack asks to wait longer than NOTIFICATION_MAX_WAIT_MS', async () => {
    fakes.slack.failNext('chat.postMessage', { retryAfter: 120 });
    const a = leadAssigned(5);
    await routing.publish([assignedEvent(a)]);
    const mail = await fakes.smtp.waitFor(
      () =>
        fakes.smtp.messages.find(
          (m) => m.header('x-baton-lead') === a.leadId && m.envelope.to.includes('ana.silva@example.com'),
        ),
      60_000,
    );
    expect(mail.parsed.subject).toBe('New lead for you: Priya Raman (Northwind Logistics)');
    const [row] = await query<{ status: string; error: string }>(
      `SELECT status, error FROM ${schema}.delivery WHERE lead_id = $1 AND purpose = 'assignment_alert' AND channel = 'slack'`,
      [a.leadId],
    );
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/Retry-After 120 s: longer than NOTIFICATION_MAX_WAIT_MS/);
  }, 90_000);

  it('falls back to e-mail when Slack is down, with a failed receipt for Slack', async () => {
    fakes.slack.setDown(true);
    try {
      const a = leadAssigned(3);
      await routing.publish([assignedEvent(a)]);
      const mail = await fakes.smtp.waitFor(
        () =>
          fakes.smtp.messages.find(
            (m) =>
              m.envelope.to.includes('ana.silva@example.com') &&
              m.parsed.text?.includes('priya.raman') === false &&
              m.header('x-baton-lead') === a.leadId,
          ),
        60_000,
      );
      expect(mail.parsed.subject).toBe('New lead for you: Priya Raman (Northwind Logistics)');
      expect(mail.parsed.from?.value[0].address).toBe('baton@example.com');
      expect(mail.parsed.text).toContain('Accept: https://baton.example.com/notification/actions/');
      const receipts = await eventsOf<EventOf<typeof Topics.NotificationSent>>(
        Topics.NotificationSent,
        a.leadId,
        (r) => r.filter((x) => x.purpose === 'assignment_alert').length >= 2,
      );
      expect(
        receipts.filter((r) => r.purpose === 'assignment_alert').map((r) => `${r.channel}:${r.status}`),
      ).toEqual(['slack:failed', 'email:delivered']);
    } finally {
      fakes.slack.setDown(false);
    }
  }, 90_000);

  it('goes to Teams for a rep who prefers it: Adaptive Card 1.4, the rep @mentioned, signed links that record the action', async () => {
    const a = leadAssigned(4, (x) => {
      x.rep.channels = ['teams', 'email'];
      x.rep.teamsUserId = '29:ana';
    });
    await routing.publish([assignedEvent(a)]);
    const post = await fakes.teams.waitFor(
      () => fakes.teams.posts.find((p) => JSON.stringify(p.body).includes('record/0-1/4')),
      60_000,
    );
    const card = post.body.attachments[0].content;
    expect(card.version).toBe('1.4');
    expect(post.bytes).toBeLessThan(28 * 1024);
    expect(card.msteams?.entities?.[0]).toMatchObject({
      type: 'mention',
      text: '<at>Ana Silva</at>',
      mentioned: { id: '29:ana' },
    });
    const found = card.actions!.find((x) => x.title === 'Accept')!;
    expect(found.type).toBe('Action.OpenUrl');
    expect(found.url).toMatch(/^https:\/\/baton\.example\.com\/notification\/actions\//);
    // The public URL is the ingress's; here the service itself answers.
    const accept = {
      ...found,
      url: found.url!.replace('https://baton.example.com/notification', service.url),
    };
    const confirm = await fetch(accept.url);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('<form method="post">');
    expect((await query(`SELECT 1 FROM ${schema}.rep_action WHERE lead_id = $1`, [a.leadId])).length).toBe(0);
    const done = await fetch(accept.url!, { method: 'POST' });
    expect(done.status).toBe(200);
    const actions = await eventsOf<EventOf<typeof Topics.RepAction>>(
      Topics.RepAction,
      a.leadId,
      (r) => r.length > 0,
    );
    expect(actions[0]).toMatchObject({
      action: 'accepted',
      channel: 'teams',
      repId: 'ana.silva',
      assignmentId: a.assignmentId,
    });
    const tampered = accept.url!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(tampered, { method: 'POST' })).status).toBe(401);
  }, 90_000);
});

describe('the rep acting from Slack', () => {
  it('"Not mine" asks for a reassignment (requestedBy rep), shows it on the message, and the new rep gets a reassignment alert', async () => {
    const a = leadAssigned(10);
    const event = assignedEvent(a);
    await routing.publish([event]);
    const [dm] = await fakes.slack.waitFor(
      () => dmOf('U0ANA', alertId(event.id!)).length > 0 && dmOf('U0ANA', alertId(event.id!)),
      60_000,
    );
    const res = await fakes.slack.clickButton(`${service.url}/slack/interactions`, {
      message: dm,
      actionId: 'baton_not_mine',
      userId: 'U0ANA',
    });
    expect(res.status).toBe(200);
    const [request] = await eventsOf<EventOf<typeof Topics.LeadReassignmentRequested>>(
      Topics.LeadReassignmentRequested,
      a.leadId,
      (r) => r.length > 0,
    );
    expect(request).toMatchObject({
      assignmentId: a.assignmentId,
      requestedBy: 'rep',
      excludeRepIds: ['ana.silva'],
    });
    expect(request.cause).toMatch(/^not_mine/);
    const [action] = await eventsOf<EventOf<typeof Topics.RepAction>>(
      Topics.RepAction,
      a.leadId,
      (r) => r.length > 0,
    );
    expect(action).toMatchObject({ action: 'not_mine', channel: 'slack', repId: 'ana.silva' });
    await fakes.slack.waitFor(() => dm.updates > 0, 30_000, 'the message updated');
    expect(JSON.stringify(dm.blocks)).toContain('Not mine by Ana Silva');
    expect(JSON.stringify(dm.blocks)).not.toContain('baton_accept');

    // Routing answers with a new assignment (as its reassignment handler does): Ben's alert says so.
    const again = leadAssigned(10, (x) => {
      x.assignmentId = 'assignment-10b';
      x.rep = {
        repId: 'ben.okafor',
        name: 'Ben Okafor',
        email: 'ben.okafor@example.com',
        slackUserId: 'U0BEN',
        timeZone: 'America/Chicago',
      };
      x.reassignment = { previousRepId: 'ana.silva', cause: request.cause };
    });
    const second = assignedEvent(again);
    await routing.publish([second]);
    const [benDm] = await fakes.slack.waitFor(
      () =>
        dmOf('U0BEN', alertId(second.id!, 'ben.okafor')).length > 0 &&
        dmOf('U0BEN', alertId(second.id!, 'ben.okafor')),
      60_000,
    );
    expect(benDm.text).toContain(
      'Lead reassigned to you: Priya Raman (Northwind Logistics) (from Ana Silva)',
    );
    // Ben says Not mine too: neither he nor Ana is asked again.
    await fakes.slack.clickButton(`${service.url}/slack/interactions`, {
      message: benDm,
      actionId: 'baton_not_mine',
      userId: 'U0BEN',
    });
    const requests = await eventsOf<EventOf<typeof Topics.LeadReassignmentRequested>>(
      Topics.LeadReassignmentRequested,
      a.leadId,
      (r) => r.length > 1,
    );
    expect(requests[1]).toMatchObject({
      assignmentId: 'assignment-10b',
      excludeRepIds: ['ben.okafor', 'ana.silva'],
    });
  }, 120_000);

  it('refuses forged, stale and oversized interactivity requests (401/413) and nothing happens', async () => {
    const a = leadAssigned(11);
    const event = assignedEvent(a);
    await routing.publish([event]);
    const [dm] = await fakes.slack.waitFor(
      () => dmOf('U0ANA', alertId(event.id!)).length > 0 && dmOf('U0ANA', alertId(event.id!)),
      60_000,
    );
    const url = `${service.url}/slack/interactions`;
    const forged = await fakes.slack.clickButton(url, {
      message: dm,
      actionId: 'baton_accepted',
      userId: 'U0ANA',
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(401);
    const stale = await fakes.slack.clickButton(url, {
      message: dm,
      actionId: 'baton_accepted',
      userId: 'U0ANA',
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(stale.status).toBe(401);
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%7D',
    });
    expect(unsigned.status).toBe(401);
    const big = fakes.slack.signInteraction({ type: 'block_actions', padding: 'x'.repeat(70_000) });
    expect((await fetch(url, { method: 'POST', headers: big.headers, body: big.body })).status).toBe(413);
    await settle();
    expect(await query(`SELECT 1 FROM ${schema}.rep_action WHERE lead_id = $1`, [a.leadId])).toEqual([]);
    expect(dm.updates).toBe(0);
  }, 90_000);
});

describe('the intro e-mail', () => {
  it('arrives once on the SMTP server, from the rep, with the right headers', async () => {
    const a = leadAssigned(20);
    await routing.publish([assignedEvent(a)]);
    const to = a.lead.identity.email!;
    const mail = await fakes.smtp.waitFor(
      () => fakes.smtp.messages.find((m) => m.envelope.to.includes(to)),
      60_000,
    );
    expect(mail.envelope.from).toBe('ana.silva@example.com');
    expect(mail.parsed.from?.value[0]).toEqual({ name: 'Ana Silva', address: 'ana.silva@example.com' });
    expect(mail.parsed.replyTo?.value[0].address).toBe('ana.silva@example.com');
    expect(mail.parsed.subject).toBe('Northwind Logistics and Baton: a first hello');
    expect(mail.parsed.text).toContain('Hi Priya,');
    expect(mail.parsed.text).toContain('Ana Silva\nana.silva@example.com');
    expect(mail.parsed.messageId).toMatch(/\.intro@example\.com>$/);
    expect(mail.header('x-baton-lead')).toBe(a.leadId);
    await settle();
    expect(fakes.smtp.messages.filter((m) => m.envelope.to.includes(to))).toHaveLength(1);
  }, 90_000);

  it('is skipped, with the reason, for a contact who opted out', async () => {
    const a = leadAssigned(21, (x) => (x.lead.emailOptOut = true));
    await routing.publish([assignedEvent(a)]);
    const rows = await waitFor(async () => {
      const r = await query<{ status: string; error: string }>(
        `SELECT status, error FROM ${schema}.delivery WHERE lead_id = $1 AND purpose = 'intro_email'`,
        [a.leadId],
      );
      return r.length > 0 && r;
    }, 60_000);
    expect(rows).toEqual([{ status: 'skipped', error: 'the contact opted out of e-mail (CRM)' }]);
  }, 90_000);
});

describe('deadlines and escalations', () => {
  it('shows "first touch due" on an alert already sent when sla.armed arrives (chat.update)', async () => {
    const a = leadAssigned(30);
    const event = assignedEvent(a);
    await routing.publish([event]);
    const [dm] = await fakes.slack.waitFor(
      () => dmOf('U0ANA', alertId(event.id!)).length > 0 && dmOf('U0ANA', alertId(event.id!)),
      60_000,
    );
    expect(JSON.stringify(dm.blocks)).not.toContain('First touch due');
    const deadline = new Date(Date.now() + 15 * 60_000).toISOString();
    await sla.publish([
      {
        topic: Topics.SlaArmed,
        subject: a.leadId,
        data: {
          leadId: a.leadId,
          assignmentId: a.assignmentId,
          repId: 'ana.silva',
          timers: [
            {
              timerId: 't1',
              policy: 'first_touch',
              clock: 'wall',
              deadline,
              rungs: [{ rung: 0, action: 'remind_rep', at: deadline }],
            },
          ],
          armedAt: new Date().toISOString(),
        },
      },
    ]);
    await fakes.slack.waitFor(() => dm.updates > 0, 60_000, 'chat.update');
    expect(JSON.stringify(dm.blocks)).toMatch(/First touch due \w{3} \d\d:\d\d GMT-[45] \(in 1[45] min\)/);
  }, 90_000);

  it("escalates a breach to the manager on the manager's channel, whose Reassign asks routing for another rep", async () => {
    const a = leadAssigned(31);
    const breach: Breach = {
      leadId: a.leadId,
      timerId: 't31',
      assignmentId: a.assignmentId,
      policy: 'first_touch',
      rung: 1,
      action: 'escalate_to_manager',
      rep: a.rep,
      deadline: new Date(Date.now() - 12 * 60_000).toISOString(),
      breachedAt: new Date().toISOString(),
      lateByMs: 12 * 60_000,
      lead: {
        name: 'Priya Raman',
        company: 'Northwind Logistics',
        score: 87,
        crmUrl: 'https://app.hubspot.com/contacts/4711/record/0-1/31',
      },
    };
    const sent = { topic: Topics.SlaBreached, subject: a.leadId, id: 'breach-31', data: breach } as const;
    await sla.publish([sent, sent]);
    const id = deliveryId('breach-31', 'marcus.lee', 'slack', 'sla_escalation');
    const [dm] = await fakes.slack.waitFor(
      () => dmOf('U0MARCUS', id).length > 0 && dmOf('U0MARCUS', id),
      60_000,
    );
    expect(dm.text).toContain('Missed SLA: Ana Silva has not touched Priya Raman (Northwind Logistics)');
    expect(dm.text).toContain('missed the first-touch deadline by 12 min');
    expect(JSON.stringify(dm.blocks)).toContain('baton_reassign_requested');
    expect(
      await fakes.slack
        .clickButton(`${service.url}/slack/interactions`, {
          message: dm,
          actionId: 'baton_reassign_requested',
          userId: 'U0MARCUS',
        })
        .then((r) => r.status),
    ).toBe(200);
    const [request] = await eventsOf<EventOf<typeof Topics.LeadReassignmentRequested>>(
      Topics.LeadReassignmentRequested,
      a.leadId,
      (r) => r.length > 0,
    );
    expect(request).toMatchObject({
      requestedBy: 'admin',
      excludeRepIds: ['ana.silva'],
      assignmentId: a.assignmentId,
    });
    await settle();
    expect(dmOf('U0MARCUS', id)).toHaveLength(1);
  }, 90_000);
});

describe('the service', () => {
  it("serves a lead's deliveries to API token holders", async () => {
    const path = `/leads/${encodeURIComponent('hubspot:contact:21')}/notifications`;
    expect((await fetch(`${service.url}${path}`)).status).toBe(401);
    const body = (await (await service.fetch(path)).json()) as {
      notifications: { purpose: string; status: string }[];
    };
    expect(body.notifications.map((n) => `${n.purpose}:${n.status}`).sort()).toEqual([
      'assignment_alert:delivered',
      'intro_email:skipped',
    ]);
  });

  it('has entities that describe the tables its migrations made', async () => {
    expect(await schemaDrift(service.get<DataSource>(DataSource))).toEqual([]);
  });
});
