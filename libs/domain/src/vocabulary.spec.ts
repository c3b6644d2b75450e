import { describe, expect, it } from 'vitest';
import { INDUSTRY_IDS, industryKey, industryOf, isIndustry, suggestIndustries } from './industries.js';
import { suggestCountries, suggestSubdivisions } from './geography.js';
import { countryProblem, industryProblem, subdivisionProblem, territoryProblem } from './vocabulary.js';

describe('Baton industries', () => {
  it('has snake_case ids and reads ids and labels alike', () => {
    for (const id of INDUSTRY_IDS) expect(id).toMatch(/^[a-z]+(_[a-z]+)*$/);
    expect(industryOf('Software')).toBe('software');
    expect(industryOf('financial services')).toBe('financial_services');
    expect(industryOf('Food & Beverage')).toBe('food_beverage');
    expect(industryOf('SaaS')).toBeUndefined();
    expect(isIndustry('Software')).toBe(false);
  });

  it('compares CRM enum values and their labels the same way', () => {
    expect(industryKey('INFORMATION_TECHNOLOGY_AND_SERVICES')).toBe(
      industryKey('Information Technology and Services'),
    );
    expect(industryKey('APPAREL_FASHION')).toBe(industryKey('Apparel & Fashion'));
    expect(industryKey('AIRLINES_AVIATION')).toBe(industryKey('Airlines/Aviation'));
  });
});

describe('policy values against the vocabularies', () => {
  it('accepts canonical values', () => {
    expect(countryProblem('US')).toBeUndefined();
    expect(countryProblem('de')).toBeUndefined();
    expect(territoryProblem('US-TX')).toBeUndefined();
    expect(territoryProblem('DE')).toBeUndefined();
    expect(subdivisionProblem('US-TX')).toBeUndefined();
    expect(subdivisionProblem('TX', ['US'])).toBeUndefined();
    expect(industryProblem('software')).toBeUndefined();
  });

  it('names the nearest valid values', () => {
    expect(countryProblem('United States')).toBe(
      '"United States" is not an ISO 3166-1 alpha-2 country code; did you mean "US" (United States of America)?',
    );
    expect(countryProblem('UK')).toMatch(/did you mean "GB" \(United Kingdom\)\?$/);
    expect(countryProblem('Germny')).toMatch(/did you mean "DE" \(Germany\)/);
    expect(territoryProblem('US-Texas')).toMatch(/did you mean "US-TX" \(Texas\)\?$/);
    expect(subdivisionProblem('Texas', ['US'])).toMatch(/did you mean "US-TX" \(Texas\)\?$/);
    expect(subdivisionProblem('TX')).toMatch(
      /^"TX" is not an ISO 3166-2 state or region code; did you mean "US-TX"/,
    );
    expect(industryProblem('Software')).toBe(
      '"Software" is not a Baton industry; did you mean "software" (Software)?',
    );
    expect(industryProblem('COMPUTER_SOFTWARE')).toMatch(/did you mean "software"/);
    expect(industryProblem('Financial Services')).toMatch(/did you mean "financial_services"/);
    expect(industryProblem('Helthcare')).toMatch(/did you mean "healthcare"/);
  });

  it('suggests nothing rather than nonsense', () => {
    expect(suggestCountries('zzzzzz')).toEqual([]);
    expect(suggestSubdivisions('qqqqqq', 'US')).toEqual([]);
    expect(suggestIndustries('qqqqqqqq')).toEqual([]);
  });
});
