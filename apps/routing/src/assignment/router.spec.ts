import { describe, expect, it } from 'vitest';
import { testPolicy } from '../../test/fixtures.js';
import { bookFor } from '../../test/book.js';
import { parseRoutingPolicy } from '../policy/policy.js';
import { leadFacts } from '../rules/lead-facts.js';
import { decide } from './router.js';

const at = new Date('2026-11-23T15:00:00Z'); // Monday: 10:00 New York, 16:00 Berlin, 09:00 Chicago

function usLead(n: number, extra: { currentOwnerId?: string; email?: string; country?: string } = {}) {
  const policy = testPolicy();
  return leadFacts(
    {
      leadId: `hubspot:contact:${n}`,
      provider: 'hubspot',
      identity: { country: extra.country ?? 'US', email: extra.email ?? `p${n}@c${n}.com` },
      firmographics: {},
      currentOwnerId: extra.currentOwnerId,
    },
    policy.routing,
  );
}

describe('router: rules, strategies and the audit', () => {
  it('keeps a lead with the active rep who already owns it in the CRM', () => {
    const policy = testPolicy();
    const d = decide(usLead(1, { currentOwnerId: '102' }), policy, bookFor(policy), at);
    expect(d).toMatchObject({ ruleId: 'keep-owner', strategy: 'existing_owner', assignee: { id: 'bob' } });
    expect(d.reason).toBe('Kept with Bob, who already owns this lead (rule keep-owner).');
    expect(d.audit.existingOwner[0].found).toEqual({ repId: 'bob', via: 'crm_owner' });
  });

  it('keeps a new lead of a known company with the rep who works that company', () => {
    const policy = testPolicy();
    const book = bookFor(policy);
    const first = decide(usLead(1, { email: 'cto@acme.io' }), policy, book, at);
    const second = decide(usLead(2, { email: 'cfo@acme.io' }), policy, book, at);
    expect(second.assignee.id).toBe(first.assignee.id);
    expect(second.audit.existingOwner[0].found).toEqual({ repId: first.assignee.id, via: 'company' });
    // Free-mail addresses are not companies.
    decide(usLead(3, { email: 'someone@gmail.com' }), policy, book, at);
    expect(decide(usLead(4, { email: 'other@gmail.com' }), policy, book, at).strategy).toBe(
      'weighted_rotation',
    );
  });

  it('does not keep a lead with an owner who is away: it rotates, and the audit says why', () => {
    const policy = testPolicy();
    const book = bookFor(policy, {
      bob: { awayFrom: new Date('2026-11-20T00:00:00Z'), awayUntil: new Date('2026-11-30T00:00:00Z') },
    });
    const d = decide(usLead(1, { currentOwnerId: '102' }), policy, book, at);
    expect(d.strategy).toBe('weighted_rotation');
    expect(d.assignee.id).not.toBe('bob');
    expect(d.audit.existingOwner[0]).toMatchObject({ found: { repId: 'bob' }, skipped: 'away' });
    expect(d.audit.pools[0].candidates.find((c) => c.repId === 'bob')).toMatchObject({
      eligible: false,
      skipped: 'away',
    });
    expect(d.reason).toContain('skipped Bob (away)');
  });

  it("skips reps outside the lead's territory and routes by the first matching rule", () => {
    const policy = testPolicy();
    const d = decide(usLead(1, { country: 'GB' }), policy, bookFor(policy), at);
    expect(d).toMatchObject({ ruleId: 'uk', poolId: 'uk', assignee: { id: 'dan' } });
  });

  it('falls back to the next pool, then to the manager queue with the reason', () => {
    const policy = parseRoutingPolicy(
      `
managers: [{ id: mgr, name: Mia, email: mia@example.com, crmOwnerIds: { hubspot: "900" } }]
reps:
  - { id: a, name: Ann, email: a@example.com, timeZone: UTC, workingHours: { mon: ["00:00-24:00"] }, managerId: mgr }
  - { id: b, name: Bea, email: b@example.com, timeZone: UTC, workingHours: { mon: ["00:00-24:00"] }, managerId: mgr }
pools:
  - { id: first, members: [a], managerId: mgr, fallbackPool: second }
  - { id: second, members: [b], managerId: mgr }
`,
      `rules: [{ id: all, strategy: weighted_rotation, pool: first }]`,
    );
    const away = { awayFrom: new Date('2026-11-01T00:00:00Z') };
    const viaFallback = decide(usLead(1), policy, bookFor(policy, { a: away }), at);
    expect(viaFallback).toMatchObject({ poolId: 'second', assignee: { id: 'b', kind: 'rep' } });
    expect(viaFallback.reason).toContain('fell back from first');

    const nobody = decide(usLead(2), policy, bookFor(policy, { a: away, b: { active: false } }), at);
    expect(nobody).toMatchObject({
      strategy: 'manager_queue',
      poolId: 'first',
      assignee: { id: 'mgr', kind: 'manager', crmOwnerIds: { hubspot: '900' } },
    });
    expect(nobody.audit.managerQueue).toEqual({ managerId: 'mgr', why: 'nobody eligible in first → second' });
    expect(nobody.reason).toBe(
      "Sent to Mia's queue: nobody eligible in first → second (Ann (away), Bea (inactive)).",
    );
  });

  it('in next_available mode hands an after-hours lead to whoever starts first; strict mode falls through', () => {
    const roster = (mode: string) => `
managers: [{ id: mgr, name: Mia, email: mia@example.com }]
reps:
  - { id: berlin, name: Berta, email: b@example.com, timeZone: Europe/Berlin, workingHours: { mon: ["09:00-17:00"], tue: ["09:00-17:00"] } }
  - { id: nyc, name: Nick, email: n@example.com, timeZone: America/New_York, workingHours: { mon: ["09:00-17:00"], tue: ["09:00-17:00"] } }
pools: [{ id: p, members: [berlin, nyc], managerId: mgr, hoursMode: ${mode} }]
`;
    const rules = `rules: [{ id: all, strategy: weighted_rotation, pool: p }]`;
    const night = new Date('2026-11-23T23:30:00Z'); // Mon 18:30 New York, Tue 00:30 Berlin
    const next = parseRoutingPolicy(roster('next_available'), rules);
    const d = decide(usLead(1), next, bookFor(next), night);
    expect(d.assignee.id).toBe('berlin'); // Berlin starts at 08:00Z, New York at 14:00Z
    expect(d.audit.pools[0].nextAvailableAt).toBe('2026-11-24T08:00:00.000Z');
    const strict = parseRoutingPolicy(roster('strict'), rules);
    expect(decide(usLead(1), strict, bookFor(strict), night).strategy).toBe('manager_queue');
  });

  it('least_loaded picks the rep with the fewest open leads', () => {
    const policy = parseRoutingPolicy(
      `
managers: [{ id: mgr, name: Mia, email: mia@example.com }]
reps:
  - { id: a, name: Ann, email: a@example.com, timeZone: UTC, workingHours: { mon: ["00:00-24:00"] } }
  - { id: b, name: Bea, email: b@example.com, timeZone: UTC, workingHours: { mon: ["00:00-24:00"] } }
pools: [{ id: p, members: [a, b], managerId: mgr }]
`,
      `rules: [{ id: all, strategy: least_loaded, pool: p }]`,
    );
    const book = bookFor(policy, { a: { openLeads: 5 }, b: { openLeads: 3 } });
    const picks = Array.from({ length: 4 }, (_, n) => decide(usLead(n), policy, book, at).assignee.id);
    expect(picks).toEqual(['b', 'b', 'a', 'b']);
    expect(book.reps.get('a')!.openLeads).toBe(6);
  });

  it('never picks an excluded rep (reassignment) and records every candidate', () => {
    const policy = testPolicy();
    const d = decide(usLead(1), policy, bookFor(policy), at, { exclude: new Set(['alice']) });
    expect(d.assignee.id).toBe('bob');
    expect(d.audit.pools[0].candidates.map((c) => [c.repId, c.skipped ?? 'eligible'])).toEqual([
      ['alice', 'excluded'],
      ['bob', 'eligible'],
      ['carol', 'eligible'],
    ]);
    expect(d.audit.pools[0].rotationBefore).toEqual({});
    expect(d.audit.pools[0].rotationAfter).toEqual({ bob: -25, carol: 25 });
  });

  it('sends a reassignment to the manager queue when every other rep is excluded or unavailable', () => {
    const policy = testPolicy();
    const book = bookFor(policy, { carol: { active: false } });
    const d = decide(usLead(1), policy, book, at, { exclude: new Set(['alice', 'bob']) });
    expect(d).toMatchObject({ strategy: 'manager_queue', assignee: { id: 'mgr', kind: 'manager' } });
    expect(d.reason).toBe(
      "Sent to Mia Manager's queue: nobody eligible in us (Alice (excluded), Bob (excluded), Carol (inactive)).",
    );
    // A manager-queue decision books nobody's capacity or rotation.
    expect(book.touchedPools.size).toBe(0);
    expect(book.openLeadDelta.size).toBe(0);
  });
});
