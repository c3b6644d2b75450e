import { describe, expect, it } from 'vitest';
import type { RepState } from '../roster/rep.js';
import { isAway } from '../roster/rep.js';
import type { LeadFacts } from '../rules/lead-facts.js';
import { checkEligibility, coversTerritory } from './eligibility.js';

const rep: RepState = {
  id: 'ana',
  name: 'Ana',
  email: 'ana@example.com',
  crmOwnerIds: {},
  timeZone: 'America/New_York',
  workingHours: { mon: ['09:00-17:00'] },
  territories: ['US-CA', 'CA'],
  products: ['analytics'],
  segments: ['enterprise'],
  dailyCapacity: 10,
  weight: 1,
  active: true,
  inRoster: true,
  openLeads: 0,
};
const lead: LeadFacts = {
  leadId: 'hubspot:contact:1',
  provider: 'hubspot',
  country: 'US',
  state: 'CA',
  segment: 'enterprise',
  productInterest: ['analytics'],
};
const monday10am = new Date('2026-11-23T15:00:00Z');
const check = (
  r: Partial<RepState> = {},
  l: Partial<LeadFacts> = {},
  extra: { at?: Date; assignedToday?: number; excluded?: boolean } = {},
) =>
  checkEligibility({
    rep: { ...rep, ...r },
    lead: { ...lead, ...l },
    at: extra.at ?? monday10am,
    assignedToday: extra.assignedToday ?? 0,
    excluded: extra.excluded ?? false,
  });

describe('eligibility', () => {
  it('accepts an active rep in hours, in territory, under capacity', () => {
    expect(check()).toEqual({ eligible: true });
  });

  it('names each reason a rep is skipped', () => {
    expect(check({}, {}, { excluded: true })).toMatchObject({ reason: 'excluded' });
    expect(check({ active: false })).toMatchObject({ reason: 'inactive' });
    expect(check({ inRoster: false })).toMatchObject({ reason: 'inactive' });
    expect(
      check({ awayFrom: new Date('2026-11-20T00:00:00Z'), awayUntil: new Date('2026-11-27T00:00:00Z') }),
    ).toMatchObject({
      reason: 'away',
      detail: 'out of office until 2026-11-27T00:00:00.000Z',
    });
    expect(check({}, { state: 'NY' })).toMatchObject({ reason: 'not_in_territory' });
    expect(check({}, { segment: 'smb' })).toMatchObject({ reason: 'not_in_segment' });
    expect(check({}, { productInterest: ['crm'] })).toMatchObject({ reason: 'no_product_match' });
    expect(check({}, {}, { assignedToday: 10 })).toMatchObject({
      reason: 'at_capacity',
      detail: '10 of 10 leads today',
    });
    expect(check({}, {}, { at: new Date('2026-11-23T23:00:00Z') })).toMatchObject({ reason: 'out_of_hours' });
  });

  it('reports the most lasting reason first (inactive beats out of hours)', () => {
    expect(check({ active: false }, {}, { at: new Date('2026-11-23T23:00:00Z') })).toMatchObject({
      reason: 'inactive',
    });
  });

  it('lets a lead with no known place or segment through to any rep', () => {
    expect(
      check({}, { country: undefined, state: undefined, segment: undefined, productInterest: [] }),
    ).toEqual({ eligible: true });
  });

  it('matches territories by country or country-state', () => {
    expect(coversTerritory([], 'FR')).toBe(true);
    expect(coversTerritory(['US'], 'US', 'NY')).toBe(true);
    expect(coversTerritory(['US-CA'], 'US', 'CA')).toBe(true);
    expect(coversTerritory(['US-CA'], 'US', 'NY')).toBe(false);
    expect(coversTerritory(['US-CA'], 'US')).toBe(false);
    expect(coversTerritory(['DE'], 'AT')).toBe(false);
  });

  it('treats out of office as [from, until), open-ended without until, and over after back early', () => {
    const from = new Date('2026-11-23T00:00:00Z');
    const until = new Date('2026-11-24T00:00:00Z');
    expect(isAway({ awayFrom: from, awayUntil: until }, new Date('2026-11-22T23:59:59Z'))).toBe(false);
    expect(isAway({ awayFrom: from, awayUntil: until }, from)).toBe(true);
    expect(isAway({ awayFrom: from, awayUntil: until }, until)).toBe(false);
    expect(isAway({ awayFrom: from }, new Date('2027-01-01T00:00:00Z'))).toBe(true);
    expect(isAway({}, from)).toBe(false);
  });
});
