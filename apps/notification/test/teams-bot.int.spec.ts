import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTeamsBotFake, type TeamsBotFake } from '@baton/chat-sandbox';
import type { EventPublisher } from '@baton/kafka';
import type { TestService } from '@baton/service-testing';
import { dropSchema, isolatedEnv, query, waitFor } from '@baton/testing';
import {
  assignedEvent,
  leadAssigned,
  policyWith,
  startFakes,
  startNotification,
  upstream,
  type Fakes,
} from './harness.js';

const base = isolatedEnv('notificationbot');
let fakes: Fakes;
let bot: TeamsBotFake;
let service: TestService;
let routing: EventPublisher;

beforeAll(async () => {
  fakes = await startFakes();
  bot = await startTeamsBotFake();
  service = await startNotification(base, fakes, {
    env: {
      TEAMS_BOT_APP_ID: bot.appId,
      TEAMS_BOT_APP_PASSWORD: bot.appPassword,
      TEAMS_BOT_TENANT_ID: bot.tenantId,
      TEAMS_BOT_SERVICE_URL: bot.serviceUrl,
      TEAMS_BOT_TOKEN_URL: bot.tokenUrl,
      NOTIFICATION_DKIM_DOMAIN: 'example.com',
      NOTIFICATION_DKIM_SELECTOR: 'baton2026',
      NOTIFICATION_DKIM_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString(),
    },
    policy: policyWith((p) => (p.policy.introEmail.delayMinutes = 0)),
  });
  routing = await upstream(base, 'routing');
}, 120_000);

afterAll(async () => {
  await routing?.disconnect();
  await service?.stop();
  await bot?.close();
  await fakes?.close();
  await dropSchema(base.DATABASE_SCHEMA!);
});

describe('Teams through a bot', () => {
  it('sends a 1:1 proactive message to a rep with a Teams user id, the Workflows channel for one without', async () => {
    const withId = leadAssigned(50, (a) => {
      a.rep.channels = ['teams'];
      a.rep.teamsUserId = '29:1ana-aad-object';
    });
    const withoutId = leadAssigned(51, (a) => {
      a.rep = {
        ...a.rep,
        repId: 'ben.okafor',
        name: 'Ben Okafor',
        email: 'ben.okafor@example.com',
        channels: ['teams'],
      };
      delete a.rep.teamsUserId;
    });
    await routing.publish([assignedEvent(withId), assignedEvent(withoutId)]);
    const activity = await bot.waitFor(
      () => bot.activities.find((x) => x.userId === '29:1ana-aad-object'),
      60_000,
    );
    expect(activity.card.version).toBe('1.4');
    expect(JSON.stringify(activity.card)).toContain('New lead for you: Priya Raman (Northwind Logistics)');
    expect(activity.card.actions?.map((x) => x.type)).toEqual([
      'Action.OpenUrl',
      'Action.OpenUrl',
      'Action.OpenUrl',
      'Action.OpenUrl',
    ]);
    const post = await fakes.teams.waitFor(
      () => fakes.teams.posts.find((p) => JSON.stringify(p.body).includes('<at>Ben Okafor</at>')),
      60_000,
    );
    expect(post.body.attachments[0].content.msteams?.entities?.[0].mentioned.id).toBe(
      'ben.okafor@example.com',
    );
    const [row] = await waitFor(async () => {
      const r = await query<{ status: string; provider_message_id: string }>(
        `SELECT status, provider_message_id FROM ${base.DATABASE_SCHEMA}.delivery WHERE lead_id = $1 AND purpose = 'assignment_alert'`,
        [withId.leadId],
      );
      return r[0]?.status === 'delivered' && r;
    }, 60_000);
    expect(row.provider_message_id).toBe(activity.id);
    expect(bot.tokensIssued).toBe(1);
  }, 120_000);

  it("signs the intro e-mail with the configured DKIM key (d= the rep's domain, s= the selector)", async () => {
    const a = leadAssigned(52);
    await routing.publish([assignedEvent(a)]);
    const mail = await fakes.smtp.waitFor(
      () => fakes.smtp.messages.find((m) => m.envelope.to.includes(a.lead.identity.email!)),
      60_000,
    );
    expect(mail.header('dkim-signature')).toMatch(/d=example\.com;[\s\S]*s=baton2026;/);
    expect(mail.parsed.from?.value[0].address).toBe('ana.silva@example.com');
  }, 120_000);
});
