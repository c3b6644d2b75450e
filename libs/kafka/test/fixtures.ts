import { Topics, type LeadEngagement, type LeadProfile } from '@baton/domain';

export function engagement(
  leadId: string,
  n: number,
  occurredAt = new Date(Date.UTC(2026, 10, 20, 10, 0, n)).toISOString(),
): LeadEngagement {
  const id = leadId.split(':')[2];
  return {
    leadId,
    crm: { provider: 'hubspot', objectType: 'contact', id },
    kind: 'page_viewed',
    occurredAt,
    sourceEventId: `${leadId}-${n}`,
    detail: { url: `https://example.com/p/${n}` },
  };
}

export const topic = Topics.LeadEngagement;

export function profile(leadId: string, n: number): LeadProfile {
  const id = leadId.split(':')[2];
  return {
    leadId,
    crm: { provider: 'hubspot', objectType: 'contact', id },
    change: n === 0 ? 'created' : 'updated',
    occurredAt: new Date(Date.UTC(2026, 10, 20, 9, 0, n)).toISOString(),
    identity: { email: `lead${id}@example.com` },
    firmographics: {},
  };
}
