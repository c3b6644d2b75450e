import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '@baton/platform';
import { fitRuleMatches, type ProfileFacts } from '../scoring/score.js';
import { loadScoringRules, parseScoringRules } from './scoring-policy.js';

const dir = fileURLToPath(new URL('../../config/policy', import.meta.url));
const rules = loadScoringRules(dir).policy;

/**
 * The canonical lead crm-connector emits for one German software VP, whichever CRM holds it (its
 * integration test `real-portal-data.int.spec.ts` checks both CRMs produce exactly this): a
 * HubSpot contact "Germany" / "Bayern" / COMPUTER_SOFTWARE and a Salesforce Lead "DEU" / "BY" /
 * Technology.
 */
const fromHubSpot: ProfileFacts = {
  identity: {
    title: 'VP Engineering',
    email: 'vp@softwerk.example',
    country: 'DE',
    countryRaw: 'Germany',
    state: 'DE-BY',
    stateRaw: 'Bayern',
  },
  firmographics: { employees: 1000, industry: 'software', industryRaw: 'COMPUTER_SOFTWARE' },
};
const fromSalesforce: ProfileFacts = {
  identity: { ...fromHubSpot.identity, countryRaw: 'DEU', stateRaw: 'BY' },
  firmographics: { employees: 1000, industry: 'software', industryRaw: 'Technology' },
};

const fitPoints = (profile: ProfileFacts) =>
  rules.fitRules.filter((r) => fitRuleMatches(r, profile)).map((r) => [r.id, r.points]);

describe('fit rules fed the canonical lead', () => {
  it('give the same points from either CRM, target industry and country included', () => {
    expect(fitPoints(fromHubSpot)).toEqual([
      ['mid-market', 10],
      ['target-industry', 5],
      ['target-country', 5],
      ['senior-title', 10],
    ]);
    expect(fitPoints(fromSalesforce)).toEqual(fitPoints(fromHubSpot));
  });

  it('is why the CRM text must not reach scoring: "Germany" and COMPUTER_SOFTWARE earn nothing', () => {
    const raw = { ...fromHubSpot, identity: { ...fromHubSpot.identity, country: 'Germany' } };
    raw.firmographics = { ...raw.firmographics, industry: 'COMPUTER_SOFTWARE' };
    expect(fitPoints(raw).map(([id]) => id)).toEqual(['mid-market', 'senior-title']);
  });
});

describe('fit rules against the vocabularies', () => {
  const shipped = readFileSync(`${dir}/scoring.yaml`, 'utf8');
  const problems = (text: string): string[] => {
    try {
      parseScoringRules('scoring.yaml', text);
    } catch (err) {
      if (err instanceof PolicyError) return err.problems;
      throw err;
    }
    return [];
  };

  it('rejects "Software" and "United States", naming the key path and the nearest valid values', () => {
    const bad = shipped
      .replace(
        'industries: [software, financial_services, healthcare]',
        'industries: [Software, Financial Services]',
      )
      .replace('countries: [US, CA, GB, DE, FR, NL]', 'countries: [United States, CA, Deutschland]');
    expect(problems(bad)).toEqual([
      'fitRules.2.when.industries.0: "Software" is not a Baton industry; did you mean "software" (Software)?',
      'fitRules.2.when.industries.1: "Financial Services" is not a Baton industry; did you mean "financial_services" (Financial Services)?',
      'fitRules.3.when.countries.0: "United States" is not an ISO 3166-1 alpha-2 country code; did you mean "US" (United States of America)?',
      'fitRules.3.when.countries.2: "Deutschland" is not an ISO 3166-1 alpha-2 country code; did you mean "DE" (Germany)?',
    ]);
    expect(problems(shipped)).toEqual([]);
  });
});
