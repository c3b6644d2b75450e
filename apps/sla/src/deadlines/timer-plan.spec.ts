import { describe, expect, it } from 'vitest';
import type { LeadAssigned } from '@baton/domain';
import { BUNDLED_POLICY_DIR, loadSlaPolicy, parseSlaPolicy } from '../policy/policy.js';
import { assignment } from '../../test/fixtures.js';
import { speedToLead } from './speed-to-lead.js';
import { calendarOf, matches, planTimers } from './timer-plan.js';

const policy = loadSlaPolicy(BUNDLED_POLICY_DIR).policy;

/** Wednesday 25 Nov 2026, 16:00 in New York: Thanksgiving and the Friday after are holidays of the sample. */
function assigned(over: Partial<LeadAssigned> = {}, lead: Partial<LeadAssigned['lead']> = {}): LeadAssigned {
  const base = assignment(1, { at: '2026-11-25T21:00:00.000Z' });
  return { ...base, ...over, lead: { ...base.lead, ...lead } };
}

describe('timer plans', () => {
  it('arms every applicable policy on the business clock: a Wednesday 16:00 assignment runs into Monday past the holidays', () => {
    const [ft, sn] = planTimers(assigned(), policy);
    expect(ft.policy).toBe('first_touch');
    expect(ft.clock).toBe('business');
    // Wed 16:00-17:00 counts 1 h; Thu 26 and Fri 27 Nov are holidays of the "us" calendar; Mon 09:00 + 1 h.
    expect(ft.deadline.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(ft.rungs.map((r) => [r.action, r.dueAt.toISOString()])).toEqual([
      ['remind_rep', '2026-11-30T14:30:00.000Z'], // 1.5 h: Mon 09:30
      ['escalate_to_manager', '2026-11-30T15:00:00.000Z'],
      ['reassign', '2026-11-30T17:00:00.000Z'], // 4 h: Mon 12:00
    ]);
    expect(ft.calendar).toMatchObject({ calendars: ['us'], weekFrom: 'rep' });
    expect(sn.policy).toBe('still_new');
    expect(sn.deadline.toISOString()).toBe('2026-11-30T17:00:00.000Z');
  });

  it('puts urgent leads on the wall clock (clockWhen), nights and weekends included', () => {
    const [ft] = planTimers(assigned({}, { score: 95 }), policy);
    expect(ft.clock).toBe('wall');
    expect(ft.deadline.toISOString()).toBe('2026-11-25T23:00:00.000Z');
    expect(ft.calendar).toBeUndefined();
  });

  it('applies a policy only to the leads it names (segment, score band, pool, source)', () => {
    expect(
      planTimers(assigned({}, { firmographics: { segment: 'smb' } }), policy).map((p) => p.policy),
    ).toEqual(['first_touch']);
    const facts = { segment: 'Enterprise', score: 80, pool: 'emea', source: 'webinar' };
    expect(matches({ segments: ['enterprise'] }, facts)).toBe(true);
    expect(matches({ scoreMin: 80, scoreMax: 90 }, facts)).toBe(true);
    expect(matches({ scoreMax: 80 }, facts)).toBe(false);
    expect(matches({ pools: ['na-smb'] }, facts)).toBe(false);
    expect(matches({ sources: ['paid_search'] }, facts)).toBe(false);
    expect(matches({ segments: ['enterprise'] }, { ...facts, segment: undefined })).toBe(false);
    expect(matches({}, facts)).toBe(true);
  });

  it("pauses the clock while the rep is out of office, and uses the policy's week when the rep has none", () => {
    const away = assigned({
      rep: {
        ...assigned().rep,
        // Wednesday 16:30 until Tuesday 1 Dec 09:00 New York time.
        outOfOffice: { from: '2026-11-25T21:30:00.000Z', until: '2026-12-01T14:00:00.000Z' },
      },
    });
    const [ft] = planTimers(away, policy);
    // 30 min on Wednesday, then back Tuesday 09:00 + 1 h 30.
    expect(ft.deadline.toISOString()).toBe('2026-12-01T15:30:00.000Z');
    const noWeek = calendarOf(assigned({ rep: { ...assigned().rep, workingHours: undefined } }), policy);
    expect(noWeek.weekFrom).toBe('policy_default');
    expect(noWeek.week).toEqual(policy.defaultWorkingHours);
  });

  it('falls back to the wall clock, and says why, when the calendar has no working time ahead', () => {
    const gone = assigned({ rep: { ...assigned().rep, outOfOffice: { from: '2026-11-01T00:00:00.000Z' } } });
    const [ft] = planTimers(gone, policy);
    expect(ft.clock).toBe('wall');
    expect(ft.clockNote).toMatch(/no working time ahead/);
    expect(ft.deadline.toISOString()).toBe('2026-11-25T23:00:00.000Z');
    const [unknown] = planTimers(assigned({ rep: { ...assigned().rep, timeZone: 'Mars/Base' } }), policy);
    expect(unknown).toMatchObject({ clock: 'wall', clockNote: 'unknown time zone Mars/Base: wall clock' });
  });

  it('gives each timer an id of its assignment and policy', () => {
    const p = parseSlaPolicy(`version: '1'
policies:
  - id: only
    window: 10m
    clock: wall
    stoppedBy: { activities: [call_logged] }
    ladder: [{ at: 100%, action: remind_rep }]
`).policy;
    expect(planTimers(assigned(), p).map((t) => t.timerId)).toEqual(['asg-1:only']);
  });
});

describe('speed to lead', () => {
  const base = {
    assignedAt: new Date('2026-11-24T21:00:00Z'), // Tue 16:00 New York
    touchedAt: new Date('2026-11-25T14:30:00Z'), // Wed 09:30
    signalReceivedAt: new Date('2026-11-24T20:59:50Z'),
  };
  const calendar = calendarOf(assigned(), policy);

  it('keeps system time (signal → alert) apart from human time (assignment → touch), on both clocks', () => {
    expect(
      speedToLead({
        ...base,
        alertDeliveredAt: new Date('2026-11-24T21:00:02Z'),
        clock: 'business',
        calendar,
      }),
    ).toEqual({
      systemMs: 12_000,
      systemEnd: 'alert_delivered',
      humanMs: 17.5 * 3_600_000,
      humanPolicyClockMs: 1.5 * 3_600_000,
    });
  });

  it('ends system time at the assignment when no alert receipt came, and says so', () => {
    expect(speedToLead({ ...base, clock: 'wall' })).toMatchObject({
      systemMs: 10_000,
      systemEnd: 'assigned',
      humanPolicyClockMs: 17.5 * 3_600_000,
    });
    expect(speedToLead({ ...base, signalReceivedAt: null, clock: 'wall' })).not.toHaveProperty('systemMs');
  });
});
