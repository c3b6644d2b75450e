import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadConnectorPolicy } from '../policy/policy.js';
import { classifyEngagement, type EngagementFact } from './signals.js';

const rules = loadConnectorPolicy(fileURLToPath(new URL('../../config/policy', import.meta.url)), 'hubspot')
  .signals.policy.signals;
const fact = (f: Partial<EngagementFact> & Pick<EngagementFact, 'type'>): EngagementFact => ({
  occurredAt: '2026-11-23T10:00:00.000Z',
  sourceEventId: 'x',
  ...f,
});

describe('signals.yaml', () => {
  it('names facts by sales-ops rules, first match wins', () => {
    expect(classifyEngagement(rules, fact({ type: 'form_submission', name: 'Request a Demo' }))?.signal).toBe(
      'demo_requested',
    );
    expect(classifyEngagement(rules, fact({ type: 'form_submission', name: 'Newsletter' }))?.signal).toBe(
      'form_submitted',
    );
    expect(
      classifyEngagement(rules, fact({ type: 'page_view', url: 'https://www.example.com/pricing/?ref=nav' }))
        ?.signal,
    ).toBe('pricing_page_viewed');
    expect(
      classifyEngagement(rules, fact({ type: 'page_view', url: 'https://www.example.com/pricing-faq' }))
        ?.signal,
    ).toBe('page_viewed');
    const security = classifyEngagement(rules, fact({ type: 'page_view', url: '/security/soc2' }));
    expect(security).toMatchObject({ signal: 'page_viewed', contentTag: 'security' });
    expect(classifyEngagement(rules, fact({ type: 'email_open' }))?.signal).toBe('email_opened');
  });
});
