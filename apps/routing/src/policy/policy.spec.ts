import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '@baton/platform';
import { loadRoutingPolicy, parseRoutingPolicy } from './policy.js';

const sampleDir = fileURLToPath(new URL('../../config/policy', import.meta.url));
const roster = readFileSync(`${sampleDir}/roster.yaml`, 'utf8');
const routing = readFileSync(`${sampleDir}/routing.yaml`, 'utf8');

function problemsOf(run: () => unknown): { file: string; problems: string[] } {
  try {
    run();
  } catch (err) {
    if (err instanceof PolicyError) return { file: err.file, problems: err.problems };
    throw err;
  }
  throw new Error('expected a PolicyError');
}

describe('routing policy files', () => {
  it('accepts the sample policy and versions it by content', () => {
    const policy = loadRoutingPolicy(sampleDir);
    expect(policy.pools.get('na-enterprise')?.members).toEqual(['ana.silva', 'ben.okafor', 'chloe.martin']);
    expect(policy.version).toMatch(/^2026-11-23\+[0-9a-f]{12}\/2026-11-23\+[0-9a-f]{12}$/);
    expect(parseRoutingPolicy(roster, routing.replace('weighted_rotation', 'least_loaded')).version).not.toBe(
      policy.version,
    );
  });

  it('names the file and key path of a bad time zone, territory and working hours', () => {
    const bad = roster
      .replace('timeZone: America/Chicago', 'timeZone: America/Chicag')
      .replace('territories: [US, CA]\n    products', 'territories: [USA, CA]\n    products')
      .replace(/fri: \[(["'])09:00-16:00\1\]/, 'fri: ["16:00-09:00"]');
    const { file, problems } = problemsOf(() => parseRoutingPolicy(bad, routing));
    expect(file).toBe('roster.yaml');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^reps\.1\.timeZone: not an IANA time zone/),
        expect.stringMatching(/^reps\.0\.territories\.0: expected a country code/),
        expect.stringMatching(/^defaults\.workingHours\.fri\.0: expected "HH:MM-HH:MM"/),
      ]),
    );
  });

  it('rejects references to reps, managers and pools that do not exist, and looping fallbacks', () => {
    const bad = roster
      .replace('members: [sam.patel, tara.nguyen]', 'members: [sam.patel, tara.ngyuen]')
      .replace('managerId: mgr-emea\n    hoursMode', 'managerId: nobody\n    hoursMode')
      .replace(
        'hoursMode: next_available\n  - id: na-smb',
        'hoursMode: next_available\n    fallbackPool: na-enterprise\n  - id: na-smb',
      );
    const { problems } = problemsOf(() => parseRoutingPolicy(bad, routing));
    expect(problems).toEqual(
      expect.arrayContaining([
        'pools.2.members.1: unknown rep "tara.ngyuen"',
        'pools.3.managerId: unknown manager "nobody"',
        'pools.0.fallbackPool: fallback chain loops back to "na-enterprise"',
      ]),
    );
  });

  it('requires rules to name known pools and to end with a catch-all', () => {
    const bad = routing.replace('pool: emea', 'pool: europe').replace(/  - id: everything-else[\s\S]*$/, '');
    const { file, problems } = problemsOf(() => parseRoutingPolicy(roster, bad));
    expect(file).toBe('routing.yaml');
    expect(problems).toEqual([
      'rules.3.pool: unknown pool "europe" (pools live in roster.yaml)',
      'rules.3: the last rule must be a catch-all (no "when") with a pool',
    ]);
  });

  it('rejects unknown keys (a typo is an error, not a silent default)', () => {
    const { problems } = problemsOf(() =>
      parseRoutingPolicy(
        roster.replace('dailyCapacity: 40\n  - id: ben', 'dailyCapcity: 40\n  - id: ben'),
        routing,
      ),
    );
    expect(problems[0]).toMatch(/^reps\.0: Unrecognized key: "dailyCapcity"/);
  });

  it('rejects places and industries leads never carry, naming the key path and the nearest valid values', () => {
    const badRoster = roster
      .replace('territories: [US, CA]\n    products', 'territories: [United States, CA]\n    products')
      .replace('territories: [DE, AT, CH]', 'territories: [DE, AT, CH-XX]');
    const rosterProblems = problemsOf(() => parseRoutingPolicy(badRoster, routing));
    expect(rosterProblems.file).toBe('roster.yaml');
    expect(rosterProblems.problems).toEqual([
      'reps.0.territories.0: expected a country code ("DE") or country-state ("US-CA"); did you mean "US"?',
      expect.stringMatching(/^reps\.6\.territories\.2: "CH-XX" is not an ISO 3166-2 state or region code/),
    ]);

    const badRouting = routing
      .replace('when: { country: [US, CA], segment', 'when: { country: [United States, CA], segment')
      .replace(
        'when: { country: [US, CA], employees',
        'when: { country: [US], state: [Texas, TX, US-CA], industry: [Software, financial_services], employees',
      );
    const { file, problems } = problemsOf(() => parseRoutingPolicy(roster, badRouting));
    expect(file).toBe('routing.yaml');
    expect(problems).toEqual([
      'rules.1.when.country.0: "United States" is not an ISO 3166-1 alpha-2 country code; did you mean "US" (United States of America)?',
      'rules.2.when.state.0: "Texas" is not an ISO 3166-2 state or region code; did you mean "US-TX" (Texas)?',
      'rules.2.when.industry.0: "Software" is not a Baton industry; did you mean "software" (Software)?',
    ]);
  });
});
