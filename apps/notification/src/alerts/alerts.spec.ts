import { describe, expect, it } from 'vitest';
import { blockProblems, teamsProblems } from '@baton/chat-sandbox';
import { BUNDLED_POLICY_DIR, loadNotificationPolicy } from '../policy/policy.js';
import { alertContent, durationText, localTime, truncate, type AlertInput } from './content.js';
import { crmRecordUrl } from './crm-link.js';
import { emailAlert } from './email-alert.js';
import { SLACK_LIMITS, slackMessage } from './slack-blocks.js';
import { TEAMS_MAX_BYTES, teamsMessage } from './teams-card.js';

const { policy, templates } = loadNotificationPolicy(BUNDLED_POLICY_DIR);
const now = new Date('2026-11-23T15:00:00.000Z');
const ana = {
  repId: 'ana.silva',
  name: 'Ana Silva',
  email: 'ana.silva@example.com',
  slackUserId: 'U0ANA',
  timeZone: 'America/New_York',
};

function input(change: Partial<AlertInput> = {}): AlertInput {
  return {
    kind: 'assignment',
    lead: {
      leadId: 'hubspot:contact:51',
      name: 'Priya Raman',
      title: 'VP of Operations',
      company: 'Northwind Logistics',
      employees: 1200,
      location: 'California, United States',
      score: 87,
      threshold: 60,
      signals: [
        { label: 'Viewed the pricing page', lastSeenAt: '2026-11-21T15:00:00.000Z' },
        { label: 'Requested a demo', lastSeenAt: '2026-11-23T14:00:00.000Z' },
        { label: 'Downloaded the security whitepaper', lastSeenAt: '2026-11-17T15:00:00.000Z' },
        { label: 'Started a trial', lastSeenAt: '2026-11-10T15:00:00.000Z' },
      ],
      summary: 'Read the blog, downloaded the whitepaper, viewed pricing, requested a demo.',
      openingLine: 'I saw you were reading our security whitepaper.',
      crmUrl: 'https://app.hubspot.com/contacts/4711/record/0-1/51',
    },
    recipient: ana,
    rep: ana,
    reason: 'Next in the NA enterprise rotation',
    firstTouchDue: '2026-11-23T15:15:00.000Z',
    done: [],
    now,
    ...change,
  };
}

const content = (change: Partial<AlertInput> = {}) =>
  alertContent(input(change), templates.policy, policy.alerts);

describe('alert content', () => {
  it('says every essential: who, score against the threshold, the top signals with how long ago, why, when first touch is due', () => {
    const c = content();
    expect(c.headline).toBe('New lead for you: Priya Raman (Northwind Logistics)');
    expect(c.facts).toEqual([
      { label: 'Title', value: 'VP of Operations' },
      { label: 'Company', value: 'Northwind Logistics' },
      { label: 'Size', value: '1,200 employees' },
      { label: 'Location', value: 'California, United States' },
      { label: 'Score', value: '87 (threshold 60)' },
    ]);
    expect(c.signals).toEqual([
      'Requested a demo (1 h ago)',
      'Viewed the pricing page (2 days ago)',
      'Downloaded the security whitepaper (6 days ago)',
    ]);
    expect(c.due).toBe('First touch due Mon 10:15 GMT-5 (in 15 min)');
    expect(c.why).toBe('Next in the NA enterprise rotation');
    expect(c.buttons.map((b) => b.label)).toEqual(['Accept', 'Log a call', 'Not mine']);
  });

  it('leaves out what the events do not carry, never a blank', () => {
    const c = content({
      lead: { leadId: 'hubspot:contact:52', signals: [] },
      reason: undefined,
      firstTouchDue: undefined,
    });
    expect(c.headline).toBe('New lead for you: a new lead');
    expect(c.facts).toEqual([]);
    expect(c.signals).toEqual([]);
    expect(c.summary ?? c.why ?? c.due ?? c.openingLine ?? c.crmUrl).toBeUndefined();
    const slack = slackMessage(c, 'd1');
    expect(slack.blocks.map((b) => b.type)).toEqual(['section', 'actions']);
    expect(slack.text).toBe('New lead for you: a new lead');
  });

  it('words a reassignment, a reminder and an escalation as such', () => {
    expect(content({ kind: 'reassignment', previousRep: 'ben.okafor' }).headline).toBe(
      'Lead reassigned to you: Priya Raman (Northwind Logistics) (from ben.okafor)',
    );
    const breach = { policy: 'first_touch', deadline: '2026-11-23T14:48:00.000Z', lateByMs: 12 * 60_000 };
    const reminder = content({ kind: 'reminder', breach });
    expect(reminder.body).toBe(
      'The first-touch deadline passed 12 min ago (Mon 09:48 GMT-5). A quick call now still counts.',
    );
    const marcus = {
      repId: 'marcus.lee',
      name: 'Marcus Lee',
      email: 'marcus.lee@example.com',
      timeZone: 'Europe/Berlin',
    };
    const escalation = content({ kind: 'escalation', breach, recipient: marcus });
    expect(escalation.headline).toBe(
      'Missed SLA: Ana Silva has not touched Priya Raman (Northwind Logistics)',
    );
    expect(escalation.body).toContain('(Mon 15:48 CET)');
    expect(escalation.buttons.map((b) => b.action)).toEqual(['reassign_requested']);
  });

  it('shows who did what, and drops the buttons that no longer apply', () => {
    const c = content({ done: [{ action: 'accepted', by: 'Ana Silva', at: '2026-11-23T15:02:00.000Z' }] });
    expect(c.history).toEqual(['Accepted by Ana Silva, Mon 10:02 GMT-5']);
    expect(c.buttons.map((b) => b.action)).toEqual(['call_logged']);
    expect(
      content({ done: [{ action: 'not_mine', by: 'Ana Silva', at: now.toISOString() }] }).buttons,
    ).toEqual([]);
  });

  it('keeps Slack within its limits: a long summary is cut, the fallback text under 4,000', () => {
    const long = 'word '.repeat(2_000);
    const c = content({ lead: { ...input().lead, summary: long, openingLine: long } });
    expect(c.summary!.length).toBeLessThanOrEqual(policy.alerts.summaryMaxChars);
    expect(c.summary!.endsWith('…')).toBe(true);
    const slack = slackMessage(c, 'd1');
    expect(blockProblems(slack.blocks)).toEqual([]);
    expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const b of slack.blocks) {
      const text = (b.text as { text?: string } | undefined)?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
    expect(slack.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    expect(
      slackMessage({ ...c, summary: 'x'.repeat(5_000) }, 'd1').blocks.every(
        (b) => blockProblems([b]).length === 0,
      ),
    ).toBe(true);
  });

  it('escapes Slack mrkdwn control characters', () => {
    const c = content({ lead: { ...input().lead, company: 'R&D <Labs>' } });
    expect(JSON.stringify(slackMessage(c, 'd1').blocks)).toContain('R&amp;D &lt;Labs&gt;');
  });

  it('makes a Teams Workflows post: Adaptive Card 1.4, the rep @mentioned, OpenUrl actions, under 28 KB even with a huge summary', () => {
    const links = {
      accepted: 'https://baton.example/actions/a',
      call_logged: 'https://baton.example/actions/c',
      not_mine: 'https://baton.example/actions/n',
    };
    const post = teamsMessage(content(), { ...ana, teamsUserId: '29:ana' }, links);
    expect(teamsProblems(JSON.stringify(post))).toEqual([]);
    const huge = content({ lead: { ...input().lead, summary: 'ü'.repeat(40_000) } });
    const big = JSON.stringify(teamsMessage({ ...huge, summary: 'ü'.repeat(40_000) }, ana, links));
    expect(Buffer.byteLength(big)).toBeLessThan(TEAMS_MAX_BYTES);
    expect(teamsProblems(big)).toEqual([]);
  });

  it('makes an e-mail alert with the signed links', () => {
    const mail = emailAlert(content(), { accepted: 'https://baton.example/actions/a' });
    expect(mail.subject).toBe('New lead for you: Priya Raman (Northwind Logistics)');
    expect(mail.text).toContain('Accept: https://baton.example/actions/a');
    expect(mail.html).toContain('<a href="https://baton.example/actions/a">Accept</a>');
  });
});

describe('small words', () => {
  it('durations, local times, truncation', () => {
    expect(durationText(20_000)).toBe('just now');
    expect(durationText(4 * 60_000)).toBe('4 min');
    expect(durationText(3 * 3_600_000)).toBe('3 h');
    expect(durationText(3 * 86_400_000)).toBe('3 days');
    expect(localTime('2026-11-23T15:15:00.000Z', 'Not/AZone')).toBe('Mon 15:15 UTC');
    expect(truncate('one two three four five', 16)).toBe('one two three…');
  });

  it('builds the CRM link from the ref, else from the configured portal or instance', () => {
    const s = {
      hubspotAppUrl: 'https://app-eu1.hubspot.com',
      hubspotPortalId: '4711',
      salesforceUrl: 'https://acme.lightning.force.com/',
    };
    expect(crmRecordUrl({ provider: 'hubspot', objectType: 'contact', id: '51' }, s)).toBe(
      'https://app-eu1.hubspot.com/contacts/4711/record/0-1/51',
    );
    expect(crmRecordUrl({ provider: 'salesforce', objectType: 'Lead', id: '00Q5e00000AbCdE' }, s)).toBe(
      'https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdE/view',
    );
    expect(
      crmRecordUrl({ provider: 'hubspot', objectType: 'contact', id: '51', url: 'https://x.example/51' }, s),
    ).toBe('https://x.example/51');
    expect(
      crmRecordUrl(
        { provider: 'hubspot', objectType: 'contact', id: '51' },
        { hubspotAppUrl: 'https://app.hubspot.com' },
      ),
    ).toBeUndefined();
  });
});
