/**
 * End to end across services: routing and notification as their real mains, in their own
 * processes, on the real broker and Postgres, Slack faked. A qualified lead is assigned, its rep
 * gets the Slack DM, presses "Not mine"; routing assigns the lead to the other rep, who gets a
 * reassignment alert.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Topics, type LeadQualified } from '@baton/domain';
import { EventPublisher, createKafka } from '@baton/kafka';
import { startSlackFake, type SlackFake } from '@baton/chat-sandbox';
import { killSpawnedServices, spawnService, waitForTopics } from '@baton/service-testing';
import { dropSchema, isolatedEnv } from '@baton/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));
const allWeek = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]),
);
const policyDir = mkdtempSync(join(tmpdir(), 'baton-e2e-routing-'));
writeFileSync(
  join(policyDir, 'roster.yaml'),
  JSON.stringify({
    version: 'e2e',
    managers: [
      { id: 'mia', name: 'Mia Manager', email: 'mia@example.com', slackUserId: 'U0MIA', timeZone: 'UTC' },
    ],
    reps: ['Ana Silva', 'Ben Okafor'].map((name, i) => ({
      id: name.split(' ')[0].toLowerCase(),
      name,
      email: `${name.split(' ')[0].toLowerCase()}@example.com`,
      crmOwnerIds: { hubspot: String(1101 + i) },
      slackUserId: `U0${name.split(' ')[0].toUpperCase()}`,
      channels: ['slack'],
      managerId: 'mia',
      timeZone: 'UTC',
      workingHours: allWeek,
      territories: ['US'],
      weight: 1,
      dailyCapacity: 1000,
    })),
    pools: [{ id: 'na', members: ['ana', 'ben'], managerId: 'mia' }],
  }),
);
writeFileSync(
  join(policyDir, 'routing.yaml'),
  JSON.stringify({
    version: 'e2e',
    segments: [{ id: 'enterprise', minEmployees: 0 }],
    rules: [{ id: 'na', strategy: 'weighted_rotation', pool: 'na' }],
  }),
);

let slack: SlackFake | undefined;
const schemas: string[] = [];

afterAll(async () => {
  killSpawnedServices();
  await slack?.close();
  for (const s of schemas) await dropSchema(s);
  rmSync(policyDir, { recursive: true, force: true });
});

function qualified(n: number): LeadQualified {
  return {
    leadId: `hubspot:contact:${n}`,
    qualificationId: `q-${n}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(n) },
    identity: {
      fullName: 'Priya Raman',
      email: `priya${n}@northwind.test`,
      company: 'Northwind Logistics',
      title: 'VP of Operations',
      country: 'US',
    },
    firmographics: { employees: 1200, industry: 'logistics' },
    score: 87,
    threshold: 60,
    breakdown: [
      {
        ruleId: 'demo',
        label: 'Requested a demo',
        group: 'engagement',
        points: 40,
        signal: 'demo_requested',
      },
    ],
    highIntentSignals: [
      {
        kind: 'demo_requested',
        label: 'Requested a demo',
        lastSeenAt: new Date(Date.now() - 3_600_000).toISOString(),
      },
    ],
    summary: 'Requested a demo after reading the security whitepaper.',
    rulesVersion: 'e2e',
    qualifiedAt: new Date().toISOString(),
  };
}

describe('Not mine, end to end', () => {
  it('a rep says "Not mine" in Slack → routing reassigns → the other rep gets a reassignment alert', async () => {
    slack = await startSlackFake({ token: 'xoxb-e2e', signingSecret: 'e2e-signing-secret', anyUser: true });
    const base = isolatedEnv('e2enotmine');
    const routingSchema = `${base.DATABASE_SCHEMA}_r`;
    const notificationSchema = `${base.DATABASE_SCHEMA}_n`;
    schemas.push(routingSchema, notificationSchema);
    const routing = spawnService(join(root, 'apps/routing/src/main.ts'), base, {
      DATABASE_SCHEMA: routingSchema,
      BATON_POLICY_DIR: policyDir,
    });
    const notification = spawnService(join(root, 'apps/notification/src/main.ts'), base, {
      DATABASE_SCHEMA: notificationSchema,
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_SIGNING_SECRET: 'e2e-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      NOTIFICATION_SLACK_CHANNEL_INTERVAL_MS: '0',
    });
    await Promise.all([routing.ready(120_000), notification.ready(120_000)]);
    const kafka = createKafka({
      brokers: base.KAFKA_BROKERS,
      clientId: 'e2e-scoring',
      topicPrefix: base.KAFKA_TOPIC_PREFIX,
    });
    await waitForTopics(kafka, [Topics.LeadQualified]);
    const scoring = new EventPublisher(kafka, 'baton/scoring');
    await scoring.connect();
    try {
      await scoring.publish([
        { topic: Topics.LeadQualified, subject: 'hubspot:contact:7', data: qualified(7) },
      ]);
      const first = await slack.waitFor(
        () => slack!.messages.find((m) => m.text.startsWith('New lead for you')),
        90_000,
      );
      const firstRep = first.channel === 'D0ANA' ? 'U0ANA' : 'U0BEN';
      const otherDm = firstRep === 'U0ANA' ? 'D0BEN' : 'D0ANA';
      const res = await slack.clickButton(`http://127.0.0.1:${await notification.port}/slack/interactions`, {
        message: first,
        actionId: 'baton_not_mine',
        userId: firstRep,
      });
      expect(res.status).toBe(200);
      const second = await slack.waitFor(
        () =>
          slack!.messages.find((m) => m.channel === otherDm && m.text.startsWith('Lead reassigned to you')),
        90_000,
        'the reassignment alert to the other rep',
      );
      expect(second.text).toContain('Priya Raman (Northwind Logistics)');
      await slack.waitFor(() => first.updates > 0, 30_000, 'the first alert updated');
      expect(JSON.stringify(first.blocks)).toContain('Not mine by');
    } finally {
      await scoring.disconnect();
    }
  }, 300_000);
});
