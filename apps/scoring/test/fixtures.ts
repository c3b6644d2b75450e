import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EngagementKind, LeadEngagement, LeadProfile } from '@baton/domain';
import { parseScoringRules, type ScoringRules } from '../src/policy/scoring-policy.js';
import type { Signal } from '../src/scoring/score.js';

export const POLICY_FILE = fileURLToPath(new URL('../config/policy/scoring.yaml', import.meta.url));

export function sampleRules(): ScoringRules {
  return parseScoringRules(POLICY_FILE, readFileSync(POLICY_FILE, 'utf8'));
}

export const NOW = new Date('2026-11-20T12:00:00.000Z');

export function hoursAgo(h: number, from = NOW): string {
  return new Date(from.getTime() - h * 3_600_000).toISOString();
}

export function crmOf(leadId: string): LeadEngagement['crm'] {
  const [, objectType, id] = leadId.split(':');
  return { provider: 'hubspot', objectType, id, url: `https://app.hubspot.com/contacts/1/record/0-1/${id}` };
}

export function engagement(
  leadId: string,
  n: number | string,
  kind: EngagementKind,
  occurredAt: string,
  detail: LeadEngagement['detail'] = {},
): LeadEngagement {
  return { leadId, crm: crmOf(leadId), kind, occurredAt, sourceEventId: `${leadId}#${n}`, detail };
}

export function signalOf(e: LeadEngagement): Signal {
  return { sourceEventId: e.sourceEventId, kind: e.kind, occurredAt: e.occurredAt, detail: e.detail };
}

/** A journey that qualifies under the sample policy: demo + pricing + security whitepaper. */
export function qualifyingJourney(leadId: string, at: (h: number) => string = hoursAgo): LeadEngagement[] {
  return [
    engagement(leadId, 1, 'page_viewed', at(72), {
      url: 'https://acme.example/product/sso',
      title: 'Single sign-on',
    }),
    engagement(leadId, 2, 'content_downloaded', at(48), {
      title: 'Security whitepaper',
      contentTag: 'security',
      url: 'https://acme.example/wp/security',
    }),
    engagement(leadId, 3, 'pricing_page_viewed', at(24), { url: 'https://acme.example/pricing' }),
    engagement(leadId, 4, 'email_opened', at(20), { campaign: 'nov-newsletter' }),
    engagement(leadId, 5, 'demo_requested', at(2), { formId: 'demo', title: 'Book a demo' }),
  ];
}

export function profile(
  leadId: string,
  occurredAt: string,
  overrides: Partial<LeadProfile> = {},
): LeadProfile {
  return {
    leadId,
    crm: crmOf(leadId),
    change: 'updated',
    occurredAt,
    identity: {
      firstName: 'Dana',
      lastName: 'Reyes',
      fullName: 'Dana Reyes',
      email: 'dana@acme.example',
      company: 'Acme',
      title: 'VP Engineering',
      country: 'DE',
    },
    firmographics: { employees: 1200, industry: 'Software', domain: 'acme.example' },
    ...overrides,
  };
}
