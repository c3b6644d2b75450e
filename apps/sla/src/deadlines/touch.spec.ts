import { describe, expect, it } from 'vitest';
import { Topics } from '@baton/domain';
import { loadSlaPolicy, BUNDLED_POLICY_DIR } from '../policy/policy.js';
import { byTheRep, isFirstTouchCandidate, judge, satisfies, type SeenActivity } from './touch.js';

const policy = loadSlaPolicy(BUNDLED_POLICY_DIR).policy;
const firstTouch = policy.policies.find((p) => p.id === 'first_touch')!;
const stillNew = policy.policies.find((p) => p.id === 'still_new')!;
const assignment = { assignmentId: 'asg-1', repId: 'ana.silva', rep: { crmOwnerId: '1101' } };

function activity(over: Partial<SeenActivity>): SeenActivity {
  return {
    eventId: 'e1',
    leadId: 'hubspot:contact:1',
    source: Topics.LeadActivity,
    kind: 'call_logged',
    occurredAt: new Date('2026-11-24T16:00:00Z'),
    receivedAt: new Date('2026-11-24T16:01:00Z'),
    actor: { kind: 'person', ownerId: '1101' },
    ownerId: '1101',
    ...over,
  };
}

const verdict = (a: SeenActivity, p = firstTouch) => satisfies(p, a, assignment, 'assigned_rep');

describe('touch classification', () => {
  it("counts a call, e-mail or meeting the assigned rep logged (HubSpot's and Salesforce's marking alike)", () => {
    expect(verdict(activity({}))).toEqual({ counts: true });
    expect(verdict(activity({ kind: 'email_logged' }))).toEqual({ counts: true });
    expect(verdict(activity({ kind: 'meeting_logged' }))).toEqual({ counts: true });
    // Salesforce: the Task's OwnerId is both the user and the owner.
    expect(
      satisfies(
        firstTouch,
        activity({
          actor: { kind: 'person', userId: '0055e000001AnaSi', ownerId: '0055e000001AnaSi' },
          ownerId: '0055e000001AnaSi',
        }),
        { ...assignment, rep: { crmOwnerId: '0055e000001AnaSi' } },
        'assigned_rep',
      ),
    ).toEqual({ counts: true });
  });

  it('does not count a note or a created task (no contact was made)', () => {
    expect(verdict(activity({ kind: 'note_logged' }))).toEqual({
      counts: false,
      why: 'note_logged does not stop this policy',
    });
  });

  it("does not count the assignment itself: the owner change Baton wrote comes back as Baton's own write", () => {
    const echo = activity({
      kind: 'owner_changed',
      actor: { kind: 'baton', source: 'INTEGRATION' },
      ownerId: null,
    });
    expect(verdict(echo).counts).toBe(false);
    expect(byTheRep(echo, assignment.rep, 'assigned_rep')).toEqual({
      counts: false,
      why: "Baton's own write",
    });
  });

  it('does not count first sight of a record (status New on its first webhook) or an integration', () => {
    const firstSight = activity({
      kind: 'status_changed',
      statusTo: 'open',
      actor: { kind: 'first_sight' },
      ownerId: null,
    });
    expect(verdict(firstSight, stillNew)).toMatchObject({
      counts: false,
      why: expect.stringContaining('first sight'),
    });
    const integration = activity({
      actor: { kind: 'integration', integrationId: 'dialer-app' },
      ownerId: null,
    });
    expect(verdict(integration)).toMatchObject({
      counts: false,
      why: expect.stringContaining('integration'),
    });
  });

  it("does not count another person's call, nor one whose author is unknown", () => {
    expect(verdict(activity({ actor: { kind: 'person', ownerId: '1102' }, ownerId: '1102' }))).toMatchObject({
      counts: false,
      why: expect.stringContaining('not the assigned rep'),
    });
    expect(verdict(activity({ actor: { kind: 'person', userId: '77' }, ownerId: null })).counts).toBe(false);
    expect(verdict(activity({ actor: null, ownerId: null }))).toEqual({
      counts: false,
      why: 'nobody known acted',
    });
  });

  it("counts any person's work where sales ops say so, or where the rep's owner id is unknown", () => {
    const other = activity({ actor: { kind: 'person', ownerId: '1102' }, ownerId: '1102' });
    expect(satisfies(firstTouch, other, assignment, 'any_person')).toEqual({ counts: true });
    expect(satisfies(firstTouch, other, { ...assignment, rep: {} }, 'assigned_rep')).toEqual({
      counts: true,
    });
  });

  it('reads an event of an older connector (no actor) by its actorOwnerId', () => {
    expect(verdict(activity({ actor: null, ownerId: '1101' }))).toEqual({ counts: true });
  });

  it("counts a status moved on from New for still_new, by any person (the status is the lead's)", () => {
    expect(verdict(activity({ kind: 'status_changed', statusTo: 'attempted_to_contact' }), stillNew)).toEqual(
      {
        counts: true,
      },
    );
    const colleague = activity({
      kind: 'status_changed',
      statusTo: 'open',
      actor: { kind: 'person', userId: '77' },
      ownerId: null,
    });
    expect(verdict(colleague, stillNew)).toEqual({ counts: true });
    expect(verdict({ ...colleague, actor: { kind: 'integration' } }, stillNew).counts).toBe(false);
    expect(verdict(activity({ kind: 'status_changed', statusTo: 'new' }), stillNew)).toEqual({
      counts: false,
      why: 'status is still New',
    });
    expect(verdict(activity({ kind: 'call_logged' }), stillNew).counts).toBe(false);
  });

  it('counts alert actions the policy lists, on this assignment only', () => {
    const logged = activity({
      source: Topics.RepAction,
      kind: 'call_logged',
      actor: null,
      assignmentId: 'asg-1',
    });
    expect(verdict(logged)).toEqual({ counts: true });
    expect(verdict({ ...logged, kind: 'accepted' })).toMatchObject({ counts: false });
    expect(verdict({ ...logged, assignmentId: 'asg-0' })).toMatchObject({ counts: false });
  });

  it('tells a first touch for speed-to-lead: a touch kind by the rep, or a counted alert action', () => {
    expect(isFirstTouchCandidate(activity({}), assignment, policy)).toBe(true);
    expect(
      isFirstTouchCandidate(activity({ kind: 'status_changed', statusTo: 'open' }), assignment, policy),
    ).toBe(false);
    expect(
      isFirstTouchCandidate(
        activity({ source: Topics.RepAction, kind: 'call_logged', actor: null, assignmentId: 'asg-1' }),
        assignment,
        policy,
      ),
    ).toBe(true);
  });
});

describe('judging a touch by when it occurred', () => {
  const timer = {
    startsAt: new Date('2026-11-24T15:00:00Z'),
    deadline: new Date('2026-11-24T17:00:00Z'),
    state: 'open' as const,
  };

  it('is met up to the deadline, to the millisecond', () => {
    expect(judge(timer, new Date('2026-11-24T17:00:00Z'))).toEqual({
      outcome: 'met',
      arrivedAfterBreach: false,
    });
    expect(judge(timer, new Date('2026-11-24T17:00:00.001Z'))).toEqual({ outcome: 'late_touch' });
  });

  it('is met when it occurred in time but arrived after the breach fired', () => {
    expect(judge({ ...timer, state: 'breached' }, new Date('2026-11-24T16:59:00Z'))).toEqual({
      outcome: 'met',
      arrivedAfterBreach: true,
    });
  });

  it('does not count work before the assignment', () => {
    expect(judge(timer, new Date('2026-11-24T14:59:59Z'))).toEqual({ outcome: 'before_start' });
  });
});
