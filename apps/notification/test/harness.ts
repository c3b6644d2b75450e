import { Topics, type EventOf, type LeadAssigned, type NewEvent } from '@baton/domain';
import { EventPublisher, createKafka } from '@baton/kafka';
import {
  startSlackFake,
  startSmtpInbox,
  startTeamsFake,
  type SlackFake,
  type SmtpInbox,
  type TeamsFake,
} from '@baton/chat-sandbox';
import { startTestService, waitForTopics, type TestService } from '@baton/service-testing';
import type { TestEnv } from '@baton/testing';
import { notificationService } from '../src/notification.service.js';
import {
  BUNDLED_POLICY_DIR,
  loadNotificationPolicy,
  type LoadedNotificationPolicy,
} from '../src/policy/policy.js';

export const LINK_SECRET = 'test-link-secret-0123456789abcdefghij';
export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';

export interface Fakes {
  slack: SlackFake;
  teams: TeamsFake;
  smtp: SmtpInbox;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const slack = await startSlackFake({
    token: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      { id: 'U0ANA', name: 'ana.silva', email: 'ana.silva@example.com' },
      { id: 'U0BEN', name: 'ben.okafor', email: 'ben.okafor@example.com' },
      { id: 'U0MARCUS', name: 'marcus.lee', email: 'marcus.lee@example.com' },
    ],
  });
  const teams = await startTeamsFake();
  const smtp = await startSmtpInbox();
  return {
    slack,
    teams,
    smtp,
    close: async () => {
      await Promise.all([slack.close(), teams.close(), smtp.close()]);
    },
  };
}

/** The environment that points notification at the fakes, with quick retries for tests. */
export function fakeEnv(
  f: Fakes,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: f.slack.apiUrl,
    TEAMS_WEBHOOK_URL: f.teams.url,
    SMTP_URL: f.smtp.url,
    NOTIFICATION_LINK_SECRET: LINK_SECRET,
    // The ingress's URL; tests that follow a link send it to the service itself.
    NOTIFICATION_PUBLIC_URL: 'https://baton.example.com/notification',
    NOTIFICATION_EMAIL_FROM: 'Baton <baton@example.com>',
    NOTIFICATION_HUBSPOT_PORTAL_ID: '4711',
    NOTIFICATION_RETRY_BASE_MS: '50',
    NOTIFICATION_POLL_MS: '200',
    NOTIFICATION_SLACK_CHANNEL_INTERVAL_MS: '0',
    NOTIFICATION_TEAMS_INTERVAL_MS: '0',
    ...extra,
  };
}

/** The bundled policy with changes (e.g. the intro e-mail's delay). */
export function policyWith(change: (p: LoadedNotificationPolicy) => void): LoadedNotificationPolicy {
  const loaded = loadNotificationPolicy(BUNDLED_POLICY_DIR);
  const copy = structuredClone(loaded);
  change(copy);
  return copy;
}

export async function startNotification(
  base: TestEnv,
  f: Fakes,
  opts: { env?: Record<string, string | undefined>; policy?: LoadedNotificationPolicy } = {},
): Promise<TestService> {
  return startTestService(notificationService, { base, env: fakeEnv(f, opts.env), policy: opts.policy });
}

export async function upstream(base: TestEnv, source: string): Promise<EventPublisher> {
  const kafka = createKafka({
    brokers: base.KAFKA_BROKERS,
    clientId: `test-${source}`,
    topicPrefix: base.KAFKA_TOPIC_PREFIX,
  });
  await waitForTopics(kafka, [Topics.LeadAssigned, Topics.SlaBreached, Topics.SlaArmed]);
  const publisher = new EventPublisher(kafka, `baton/${source}`);
  await publisher.connect();
  return publisher;
}

/** A lead.assigned.v1 as routing writes it for the canonical prospect. */
export function leadAssigned(n: number, change: (a: LeadAssigned) => void = () => undefined): LeadAssigned {
  const now = Date.now();
  const a: LeadAssigned = {
    leadId: `hubspot:contact:${n}`,
    assignmentId: `assignment-${n}`,
    qualificationId: `qualification-${n}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(n) },
    rep: {
      repId: 'ana.silva',
      name: 'Ana Silva',
      email: 'ana.silva@example.com',
      crmOwnerId: '1101',
      slackUserId: 'U0ANA',
      timeZone: 'America/New_York',
      channels: ['slack', 'email'],
      manager: {
        repId: 'marcus.lee',
        name: 'Marcus Lee',
        email: 'marcus.lee@example.com',
        slackUserId: 'U0MARCUS',
        timeZone: 'America/New_York',
        channels: ['slack'],
      },
    },
    ruleId: 'na-ent',
    pool: 'na-enterprise',
    strategy: 'weighted_rotation',
    reason: 'US enterprise lead (1,000+ employees): next in the NA enterprise rotation',
    lead: {
      identity: {
        firstName: 'Priya',
        lastName: 'Raman',
        fullName: 'Priya Raman',
        email: `priya.raman+${n}@northwind.test`,
        company: 'Northwind Logistics',
        title: 'VP of Operations',
        country: 'US',
        state: 'US-CA',
        countryRaw: 'United States',
        stateRaw: 'California',
      },
      firmographics: {
        employees: 1200,
        industry: 'logistics',
        segment: 'enterprise',
        productInterest: ['routing'],
      },
      score: 87,
      threshold: 60,
      highIntentSignals: [
        {
          kind: 'demo_requested',
          label: 'Requested a demo',
          lastSeenAt: new Date(now - 3_600_000).toISOString(),
        },
        {
          kind: 'pricing_page_viewed',
          label: 'Viewed the pricing page',
          lastSeenAt: new Date(now - 2 * 86_400_000).toISOString(),
        },
        {
          kind: 'content_downloaded',
          label: 'Downloaded the security whitepaper',
          lastSeenAt: new Date(now - 6 * 86_400_000).toISOString(),
        },
      ],
      summary:
        'Read the speed-to-lead post, downloaded the security whitepaper, viewed pricing twice, then requested a demo.',
      openingLine: 'I saw you were reading our security whitepaper: happy to walk you through it.',
      qualifiedAt: new Date(now - 2_000).toISOString(),
      signalReceivedAt: new Date(now - 3_000).toISOString(),
      // As the connector will tell it: the contact has not opted out.
      emailOptOut: false,
    },
    assignedAt: new Date(now - 1_000).toISOString(),
  };
  change(a);
  return a;
}

export function assignedEvent(
  a: LeadAssigned,
  id = `assigned-${a.assignmentId}`,
): NewEvent<typeof Topics.LeadAssigned> {
  return { topic: Topics.LeadAssigned, subject: a.leadId, id, data: a };
}

export type Breach = EventOf<typeof Topics.SlaBreached>;
