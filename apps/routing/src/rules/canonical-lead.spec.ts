import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Firmographics, Identity } from '@baton/domain';
import { coversTerritory } from '../eligibility/eligibility.js';
import { loadRoutingPolicy } from '../policy/policy.js';
import { leadFacts } from './lead-facts.js';
import { matchingRules } from './rules.js';

const policy = loadRoutingPolicy(fileURLToPath(new URL('../../config/policy', import.meta.url)));

/**
 * The canonical lead crm-connector emits for one company, whichever CRM it lives in (its
 * integration test `real-portal-data.int.spec.ts` checks that both CRMs produce exactly this):
 * a HubSpot contact with "United States" / "Texas" / COMPUTER_SOFTWARE and a Salesforce Lead
 * with "USA" / "TX" / Technology.
 */
const fromHubSpot: { identity: Identity; firmographics: Firmographics } = {
  identity: { country: 'US', countryRaw: 'United States', state: 'US-TX', stateRaw: 'Texas' },
  firmographics: { employees: 1000, industry: 'software', industryRaw: 'COMPUTER_SOFTWARE' },
};
const fromSalesforce: { identity: Identity; firmographics: Firmographics } = {
  identity: { country: 'US', countryRaw: 'USA', state: 'US-TX', stateRaw: 'TX' },
  firmographics: { employees: 1000, industry: 'software', industryRaw: 'Technology' },
};

function route(
  provider: 'hubspot' | 'salesforce',
  lead: { identity: Identity; firmographics: Firmographics },
) {
  const facts = leadFacts({ leadId: `${provider}:x:1`, provider, ...lead }, policy.routing);
  const rule = matchingRules(policy.routing.rules, facts).find((r) => r.strategy !== 'existing_owner')!;
  const pool = policy.pools.get(rule.pool!)!;
  const reps = policy.roster.reps.filter((r) => pool.members.includes(r.id));
  return {
    facts,
    rule: rule.id,
    pool: pool.id,
    inTerritory: reps
      .filter((r) => coversTerritory(r.territories, facts.country, facts.state))
      .map((r) => r.id),
  };
}

describe('routing the canonical lead', () => {
  it('sends the same company to the same territory pool from either CRM, every rep in territory', () => {
    const hs = route('hubspot', fromHubSpot);
    const sf = route('salesforce', fromSalesforce);
    expect(hs).toMatchObject({ rule: 'na-enterprise', pool: 'na-enterprise' });
    expect(hs.facts).toMatchObject({
      country: 'US',
      state: 'TX',
      segment: 'enterprise',
      industry: 'software',
    });
    expect(hs.inTerritory).toEqual(['ana.silva', 'ben.okafor', 'chloe.martin']);
    expect(sf).toEqual({ ...hs, facts: { ...hs.facts, leadId: sf.facts.leadId, provider: 'salesforce' } });
  });

  it('covers a state territory by its ISO 3166-2 code', () => {
    const facts = leadFacts(
      { leadId: 'hubspot:contact:1', provider: 'hubspot', ...fromHubSpot },
      policy.routing,
    );
    expect(coversTerritory(['US-TX'], facts.country, facts.state)).toBe(true);
    expect(coversTerritory(['US-CA'], facts.country, facts.state)).toBe(false);
  });

  it('is why the CRM text must not reach routing: "United States" is in no territory', () => {
    const raw = route('hubspot', {
      identity: { country: 'United States', state: 'Texas' },
      firmographics: { employees: 1000 },
    });
    expect(raw.rule).toBe('everything-else');
  });
});
