import { describe, expect, it } from 'vitest';
import { PolicyError } from '@baton/platform';
import {
  BUNDLED_POLICY_DIR,
  DEMO_POLICY_DIR,
  loadSlaPolicy,
  offsetOf,
  parseSlaPolicy,
  requireSettings,
} from './policy.js';

const minimal = (policy: string, extra = '') => `version: '1'\npolicies:\n${policy}\n${extra}`;
const firstTouch = `  - id: first_touch
    window: 2h
    clock: business
    stoppedBy: { activities: [call_logged] }
    ladder:
      - { at: 75%, action: remind_rep }
      - { at: 100%, action: escalate_to_manager }
      - { at: 200%, action: reassign }`;

describe('the sla policy', () => {
  it('loads the bundled sample, versioned by its content', () => {
    const loaded = loadSlaPolicy(BUNDLED_POLICY_DIR);
    expect(loaded.policy.policies.map((p) => p.id)).toEqual(['first_touch', 'still_new']);
    expect(loaded.version).toMatch(/^2026-12-01\+[0-9a-f]{12}$/);
    const ft = loaded.policy.policies[0];
    expect(ft.window).toBe(7_200_000);
    expect(ft.ladder.map((r) => offsetOf(r.at, ft.window))).toEqual([5_400_000, 7_200_000, 14_400_000]);
    expect(ft.clockWhen).toEqual([{ when: { scoreMin: 90 }, clock: 'wall' }]);
    expect(loaded.policy.reassignment.maxPerQualification).toBe(2);
  });

  it('loads the quickstart policy: a one-minute first touch on the wall clock', () => {
    const demo = loadSlaPolicy(DEMO_POLICY_DIR).policy.policies[0];
    expect(demo).toMatchObject({ id: 'first_touch', window: 60_000, clock: 'wall' });
  });

  it('reads durations and shares of the window', () => {
    const p = parseSlaPolicy(
      minimal(`  - id: t
    window: 90m
    clock: wall
    stoppedBy: { statusLeavesNew: true }
    ladder:
      - { at: 30m, action: remind_rep }
      - { at: 100%, action: escalate_to_manager }`),
    ).policy.policies[0];
    expect(p.ladder.map((r) => offsetOf(r.at, p.window))).toEqual([1_800_000, 5_400_000]);
  });

  it.each([
    ['a window that is not a duration', firstTouch.replace('window: 2h', 'window: two hours'), /window/],
    [
      'a ladder without a rung at the deadline',
      firstTouch.replace(
        '{ at: 100%, action: escalate_to_manager }',
        '{ at: 150%, action: escalate_to_manager }',
      ),
      /ladder: the ladder needs a rung at the deadline/,
    ],
    [
      'rungs out of order',
      firstTouch.replace('{ at: 75%, action: remind_rep }', '{ at: 120%, action: remind_rep }'),
      /ladder\.1\.at: rungs must come later/,
    ],
    [
      'an unknown action',
      firstTouch.replace('action: reassign', 'action: call_the_ceo'),
      /ladder\.2\.action/,
    ],
    ['nothing that stops it', firstTouch.replace('{ activities: [call_logged] }', '{}'), /stoppedBy/],
    [
      'an unknown activity kind',
      firstTouch.replace('[call_logged]', '[task_created]'),
      /stoppedBy\.activities/,
    ],
  ])('names the bad key: %s', (_, text, message) => {
    const parse = () => parseSlaPolicy(minimal(text), 'sla.yaml');
    expect(parse).toThrow(PolicyError);
    expect(parse).toThrow(message);
  });

  it('names an unknown time zone of a calendar and a duplicate policy', () => {
    expect(() =>
      parseSlaPolicy(minimal(firstTouch, `calendars:\n  - { id: x, timeZones: [Mars/Base], holidays: [] }`)),
    ).toThrow(/calendars\.0\.timeZones\.0: unknown time zone Mars\/Base/);
    expect(() => parseSlaPolicy(minimal(`${firstTouch}\n${firstTouch}`))).toThrow(
      /policies\.1\.id: duplicate id/,
    );
  });

  it("pausing reps needs routing's URL (checked against the environment at start-up)", () => {
    const pausing = parseSlaPolicy(
      minimal(firstTouch, 'repBreachAlert: { breachesPerDay: 3, pauseForTheDay: true }'),
    );
    expect(() => requireSettings(pausing, {})).toThrow(/repBreachAlert\.pauseForTheDay: .*SLA_ROUTING_URL/);
    expect(() => requireSettings(pausing, { SLA_ROUTING_URL: 'http://routing' })).not.toThrow();
    expect(() => loadSlaPolicy(BUNDLED_POLICY_DIR, {})).not.toThrow();
  });
});
