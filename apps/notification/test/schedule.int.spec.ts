import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import type { EventPublisher } from '@baton/kafka';
import { CLOCK, ManualClock } from '@baton/platform';
import { startTestService, type TestService } from '@baton/service-testing';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import { deliveryId } from '../src/delivery/delivery-key.js';
import { notificationService } from '../src/notification.service.js';
import {
  assignedEvent,
  fakeEnv,
  leadAssigned,
  policyWith,
  startFakes,
  upstream,
  type Fakes,
} from './harness.js';

const base = isolatedEnv('notificationsched');
const schema = base.DATABASE_SCHEMA!;
const clock = new ManualClock(new Date());
let fakes: Fakes;
let service: TestService;
let routing: EventPublisher;
let crm: EventPublisher;

beforeAll(async () => {
  fakes = await startFakes();
  service = await startTestService(notificationService, {
    base,
    env: fakeEnv(fakes),
    // The sample policy as shipped: the intro e-mail 5 minutes after the assignment.
    policy: policyWith(() => undefined),
    providers: [{ provide: CLOCK, useValue: clock }],
  });
  routing = await upstream(base, 'routing');
  crm = await upstream(base, 'crm-connector');
}, 120_000);

afterAll(async () => {
  await routing?.disconnect();
  await crm?.disconnect();
  await service?.stop();
  await fakes?.close();
  await dropSchema(schema);
});

const introOf = (leadId: string) =>
  query<{ status: string; due_at: Date; error: string | null }>(
    `SELECT status, due_at, error FROM ${schema}.delivery WHERE lead_id = $1 AND purpose = 'intro_email'`,
    [leadId],
  );

describe('the intro e-mail, scheduled in Postgres', () => {
  it("waits the policy's 5 minutes (a due row, not a timer), then goes out once", async () => {
    const a = leadAssigned(40);
    await routing.publish([assignedEvent(a)]);
    const [row] = await waitFor(
      async () => (await introOf(a.leadId)).length > 0 && introOf(a.leadId),
      60_000,
    );
    expect(row.status).toBe('pending');
    expect(Math.abs(row.due_at.getTime() - (clock.now().getTime() + 5 * 60_000))).toBeLessThan(60_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const to = a.lead.identity.email!;
    expect(fakes.smtp.messages.filter((m) => m.envelope.to.includes(to))).toHaveLength(0);
    clock.advance(5 * 60_000 + 1_000);
    await fakes.smtp.waitFor(() => fakes.smtp.messages.find((m) => m.envelope.to.includes(to)), 60_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(fakes.smtp.messages.filter((m) => m.envelope.to.includes(to))).toHaveLength(1);
    expect((await introOf(a.leadId))[0].status).toBe('delivered');
  }, 120_000);

  it('does not go out when the rep called first (a call logged in the CRM before it was due)', async () => {
    const a = leadAssigned(41, (x) => (x.assignedAt = clock.now().toISOString()));
    await routing.publish([assignedEvent(a)]);
    await waitFor(async () => (await introOf(a.leadId)).length > 0, 60_000);
    await crm.publish([
      {
        topic: Topics.LeadActivity,
        subject: a.leadId,
        data: {
          leadId: a.leadId,
          crm: a.crm,
          kind: 'call_logged',
          occurredAt: new Date(clock.now().getTime() + 60_000).toISOString(),
          sourceEventId: 'call-41',
          actor: { kind: 'person', ownerId: '1101' },
        },
      },
    ]);
    await waitFor(
      async () =>
        (await query(`SELECT 1 FROM ${schema}.lead_touch WHERE lead_id = $1`, [a.leadId])).length > 0,
      60_000,
    );
    clock.advance(5 * 60_000 + 1_000);
    const [row] = await waitFor(async () => {
      const r = await introOf(a.leadId);
      return r[0]?.status !== 'pending' && r;
    }, 60_000);
    expect(row).toMatchObject({ status: 'skipped' });
    expect(row.error).toMatch(/^already being worked \(call_logged at /);
    expect(fakes.smtp.messages.filter((m) => m.envelope.to.includes(a.lead.identity.email!))).toHaveLength(0);
  }, 120_000);
});

describe('Slack users known only by e-mail', () => {
  it('are looked up once (users.lookupByEmail), then remembered', async () => {
    const events = [42, 43].map((n) =>
      assignedEvent(
        leadAssigned(n, (x) => {
          x.rep = {
            ...x.rep,
            repId: 'ben.okafor',
            name: 'Ben Okafor',
            email: 'ben.okafor@example.com',
            slackUserId: undefined,
          };
        }),
      ),
    );
    await routing.publish([events[0]]);
    const first = deliveryId(events[0].id!, 'ben.okafor', 'slack', 'assignment_alert');
    await fakes.slack.waitFor(
      () => fakes.slack.dms('U0BEN').some((m) => m.metadata?.event_payload.delivery_id === first),
      60_000,
    );
    await routing.publish([events[1]]);
    const second = deliveryId(events[1].id!, 'ben.okafor', 'slack', 'assignment_alert');
    await fakes.slack.waitFor(
      () => fakes.slack.dms('U0BEN').some((m) => m.metadata?.event_payload.delivery_id === second),
      60_000,
    );
    expect(fakes.slack.calls.filter((c) => c.method === 'users.lookupByEmail')).toHaveLength(1);
    expect(await query(`SELECT email, user_id FROM ${schema}.slack_user`)).toEqual([
      { email: 'ben.okafor@example.com', user_id: 'U0BEN' },
    ]);
  }, 120_000);
});
