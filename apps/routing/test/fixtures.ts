import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeadQualified } from '@baton/domain';
import { ROSTER_FILE, ROUTING_FILE, parseRoutingPolicy, type RoutingPolicy } from '../src/policy/policy.js';

const allWeek = `
    mon: ["00:00-24:00"]
    tue: ["00:00-24:00"]
    wed: ["00:00-24:00"]
    thu: ["00:00-24:00"]
    fri: ["00:00-24:00"]
    sat: ["00:00-24:00"]
    sun: ["00:00-24:00"]`;

/** A small roster working around the clock, so tests never depend on the hour they run at. */
export const TEST_ROSTER = `
version: test
defaults:
  workingHours:${allWeek}
managers:
  - { id: mgr, name: Mia Manager, email: mia@example.com, crmOwnerIds: { hubspot: "900" }, slackUserId: UMGR, timeZone: Europe/Berlin }
reps:
  - { id: alice, name: Alice, email: alice@example.com, crmOwnerIds: { hubspot: "101", salesforce: "005A" }, slackUserId: UALICE, teamsUserId: 29:alice, managerId: mgr, timeZone: America/New_York, territories: [US], weight: 50, dailyCapacity: 100000 }
  - { id: bob, name: Bob, email: bob@example.com, crmOwnerIds: { hubspot: "102" }, managerId: mgr, timeZone: America/Chicago, territories: [US], weight: 25, dailyCapacity: 100000 }
  - { id: carol, name: Carol, email: carol@example.com, crmOwnerIds: { hubspot: "103" }, managerId: mgr, timeZone: Europe/Berlin, territories: [US], weight: 25, dailyCapacity: 100000 }
  - { id: dan, name: Dan, email: dan@example.com, crmOwnerIds: { hubspot: "201" }, managerId: mgr, timeZone: Europe/London, territories: [GB], dailyCapacity: 100000 }
pools:
  - { id: us, members: [alice, bob, carol], managerId: mgr }
  - { id: uk, members: [dan], managerId: mgr }
`;

export const TEST_RULES = `
version: test
rules:
  - { id: keep-owner, strategy: existing_owner }
  - { id: uk, when: { country: [GB] }, strategy: weighted_rotation, pool: uk }
  - { id: us, strategy: weighted_rotation, pool: us }
`;

export function testPolicy(roster = TEST_ROSTER, rules = TEST_RULES): RoutingPolicy {
  return parseRoutingPolicy(roster, rules);
}

export function qualified(n: number, overrides: Partial<LeadQualified> = {}): LeadQualified {
  const leadId = overrides.leadId ?? `hubspot:contact:${n}`;
  return {
    leadId,
    qualificationId: `q-${leadId}`,
    crm: { provider: 'hubspot', objectType: 'contact', id: String(n) },
    identity: {
      fullName: `Prospect ${n}`,
      email: `p${n}@company${n}.com`,
      company: `Company ${n}`,
      country: 'US',
    },
    firmographics: { employees: 500, industry: 'software' },
    score: 72,
    threshold: 60,
    breakdown: [],
    highIntentSignals: [],
    summary: `Prospect ${n} asked for a demo.`,
    rulesVersion: 'test',
    qualifiedAt: '2026-11-23T15:00:00.000Z',
    ...overrides,
  };
}

/** The test policy as files, for a routing process (BATON_POLICY_DIR). */
export function testPolicyDir(roster = TEST_ROSTER, rules = TEST_RULES): string {
  const dir = mkdtempSync(join(tmpdir(), 'routing-policy-'));
  writeFileSync(join(dir, ROSTER_FILE), roster);
  writeFileSync(join(dir, ROUTING_FILE), rules);
  return dir;
}
