import { describe, expect, it } from 'vitest';
import { RoutingRulesSchema } from '../policy/policy.schema.js';
import { leadFacts } from './lead-facts.js';
import { matchingRules, ruleMatches } from './rules.js';

const routing = RoutingRulesSchema.parse({
  segments: [
    { id: 'smb', maxEmployees: 199 },
    { id: 'mid_market', minEmployees: 200, maxEmployees: 999 },
    { id: 'enterprise', minEmployees: 1000 },
  ],
  rules: [
    {
      id: 'ca-enterprise',
      when: { country: ['us'], state: ['ca'], segment: ['Enterprise'] },
      strategy: 'weighted_rotation',
      pool: 'p',
    },
    { id: 'analytics', when: { productInterest: ['Analytics'] }, strategy: 'weighted_rotation', pool: 'p' },
    {
      id: 'fintech-webinar',
      when: { industry: ['Financial Services'], source: ['webinar'] },
      strategy: 'least_loaded',
      pool: 'p',
    },
    { id: 'mid-size', when: { employees: { min: 200, max: 999 } }, strategy: 'least_loaded', pool: 'p' },
    { id: 'rest', strategy: 'least_loaded', pool: 'p' },
  ],
});

function facts(
  identity: Record<string, string>,
  firmographics: Record<string, unknown> = {},
  currentOwnerId?: string,
) {
  return leadFacts(
    { leadId: 'hubspot:contact:1', provider: 'hubspot', identity, firmographics, currentOwnerId },
    routing,
  );
}

describe('lead facts', () => {
  it('normalises places to upper case and tags to lower case', () => {
    const f = facts(
      { country: ' us ', state: 'ca' },
      { industry: 'Financial Services', source: 'Webinar', productInterest: ['Analytics', ' '] },
    );
    expect(f).toMatchObject({
      country: 'US',
      state: 'CA',
      industry: 'financial services',
      source: 'webinar',
      productInterest: ['analytics'],
    });
  });

  it("derives the segment from employees when the CRM gave none, and keeps the CRM's when it did", () => {
    expect(facts({}, { employees: 50 }).segment).toBe('smb');
    expect(facts({}, { employees: 200 }).segment).toBe('mid_market');
    expect(facts({}, { employees: 5000 }).segment).toBe('enterprise');
    expect(facts({}, { employees: 50, segment: 'Enterprise' }).segment).toBe('enterprise');
    expect(facts({}, {}).segment).toBeUndefined();
  });

  it('takes the company domain from firmographics or the e-mail, never from free mail', () => {
    expect(facts({ email: 'a@Acme.com' }).companyDomain).toBe('acme.com');
    expect(facts({ email: 'a@acme.com' }, { domain: 'www.acme.io' }).companyDomain).toBe('acme.io');
    expect(facts({ email: 'someone@gmail.com' }).companyDomain).toBeUndefined();
  });
});

describe('rule conditions', () => {
  it('needs every listed condition to hold', () => {
    const rule = routing.rules[0];
    expect(ruleMatches(rule.when, facts({ country: 'US', state: 'CA' }, { employees: 2000 }))).toBe(true);
    expect(ruleMatches(rule.when, facts({ country: 'US', state: 'NY' }, { employees: 2000 }))).toBe(false);
    expect(ruleMatches(rule.when, facts({ country: 'US', state: 'CA' }, { employees: 20 }))).toBe(false);
  });

  it('does not match a condition on a field the lead lacks', () => {
    expect(ruleMatches(routing.rules[0].when, facts({ state: 'CA' }, { employees: 2000 }))).toBe(false);
    expect(ruleMatches(routing.rules[3].when, facts({}))).toBe(false);
  });

  it('matches product interest on any overlap, and employee ranges inclusively', () => {
    expect(ruleMatches(routing.rules[1].when, facts({}, { productInterest: ['crm', 'analytics'] }))).toBe(
      true,
    );
    expect(ruleMatches(routing.rules[1].when, facts({}, { productInterest: ['crm'] }))).toBe(false);
    expect(ruleMatches(routing.rules[3].when, facts({}, { employees: 200 }))).toBe(true);
    expect(ruleMatches(routing.rules[3].when, facts({}, { employees: 999 }))).toBe(true);
    expect(ruleMatches(routing.rules[3].when, facts({}, { employees: 1000 }))).toBe(false);
  });

  it('matches industry and source case-insensitively', () => {
    expect(
      ruleMatches(routing.rules[2].when, facts({}, { industry: 'financial services', source: 'WEBINAR' })),
    ).toBe(true);
    expect(
      ruleMatches(
        routing.rules[2].when,
        facts({}, { industry: 'financial services', source: 'paid_search' }),
      ),
    ).toBe(false);
  });

  it('lists the applicable rules in policy order, ending with the catch-all', () => {
    const ids = matchingRules(
      routing.rules,
      facts({ country: 'US', state: 'CA' }, { employees: 1500, productInterest: ['analytics'] }),
    ).map((r) => r.id);
    expect(ids).toEqual(['ca-enterprise', 'analytics', 'rest']);
  });
});
