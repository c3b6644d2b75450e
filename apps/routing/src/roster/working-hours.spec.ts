import { describe, expect, it } from 'vitest';
import type { WorkingHours } from '../policy/policy.schema.js';
import { isWithinWorkingHours, localDay, nextWorkingStart } from './working-hours.js';

const weekdays9to17: WorkingHours = {
  mon: ['09:00-17:00'],
  tue: ['09:00-17:00'],
  wed: ['09:00-17:00'],
  thu: ['09:00-17:00'],
  fri: ['09:00-17:00'],
};
const at = (iso: string) => new Date(iso);

describe("working hours on the rep's own wall clock", () => {
  it("reads the hours in the rep's time zone, not the server's", () => {
    // 15:00 UTC on a Monday: 10:00 in New York, 16:00 in Berlin, 07:00 in Los Angeles.
    expect(isWithinWorkingHours(weekdays9to17, 'America/New_York', at('2026-11-23T15:00:00Z'))).toBe(true);
    expect(isWithinWorkingHours(weekdays9to17, 'Europe/Berlin', at('2026-11-23T15:00:00Z'))).toBe(true);
    expect(isWithinWorkingHours(weekdays9to17, 'America/Los_Angeles', at('2026-11-23T15:00:00Z'))).toBe(
      false,
    );
  });

  it('treats the start as inside and the end as outside', () => {
    expect(isWithinWorkingHours(weekdays9to17, 'Europe/Berlin', at('2026-11-23T08:00:00Z'))).toBe(true); // 09:00 CET
    expect(isWithinWorkingHours(weekdays9to17, 'Europe/Berlin', at('2026-11-23T15:59:00Z'))).toBe(true); // 16:59
    expect(isWithinWorkingHours(weekdays9to17, 'Europe/Berlin', at('2026-11-23T16:00:00Z'))).toBe(false); // 17:00
  });

  it('follows the US spring-forward change (8 March 2026): 09:30 is 14:30Z before, 13:30Z after', () => {
    expect(isWithinWorkingHours(weekdays9to17, 'America/New_York', at('2026-03-06T14:30:00Z'))).toBe(true); // Fri 09:30 EST
    expect(isWithinWorkingHours(weekdays9to17, 'America/New_York', at('2026-03-06T13:30:00Z'))).toBe(false); // Fri 08:30 EST
    expect(isWithinWorkingHours(weekdays9to17, 'America/New_York', at('2026-03-09T13:30:00Z'))).toBe(true); // Mon 09:30 EDT
    expect(isWithinWorkingHours(weekdays9to17, 'America/New_York', at('2026-03-09T21:30:00Z'))).toBe(false); // Mon 17:30 EDT
  });

  it('follows the EU fall-back change (25 October 2026): 09:00 is 07:00Z before, 08:00Z after', () => {
    expect(isWithinWorkingHours(weekdays9to17, 'Europe/Berlin', at('2026-10-23T07:00:00Z'))).toBe(true); // Fri 09:00 CEST
    expect(isWithinWorkingHours(weekdays9to17, 'Europe/Berlin', at('2026-10-26T07:00:00Z'))).toBe(false); // Mon 08:00 CET
    expect(isWithinWorkingHours(weekdays9to17, 'Europe/Berlin', at('2026-10-26T08:00:00Z'))).toBe(true); // Mon 09:00 CET
  });

  it('judges the same instant differently in two zones whose DST changes fall on different dates', () => {
    // 16 March 2026, 13:30Z: New York is already on EDT (09:30), London still on GMT (13:30).
    const instant = at('2026-03-16T13:30:00Z');
    expect(isWithinWorkingHours({ mon: ['09:00-10:00'] }, 'America/New_York', instant)).toBe(true);
    expect(isWithinWorkingHours({ mon: ['09:00-10:00'] }, 'Europe/London', instant)).toBe(false);
  });

  it('finds the next start across a weekend and a DST change', () => {
    // Friday 18:00 EST → Monday 09:00 EDT (the clocks sprang forward on Sunday).
    expect(
      nextWorkingStart(weekdays9to17, 'America/New_York', at('2026-03-06T23:00:00Z'))?.toISOString(),
    ).toBe('2026-03-09T13:00:00.000Z');
    // Friday 18:00 CEST → Monday 09:00 CET (the clocks fell back on Sunday).
    expect(nextWorkingStart(weekdays9to17, 'Europe/Berlin', at('2026-10-23T16:00:00Z'))?.toISOString()).toBe(
      '2026-10-26T08:00:00.000Z',
    );
    // Already working: now.
    expect(nextWorkingStart(weekdays9to17, 'Europe/Berlin', at('2026-11-23T10:00:00Z'))?.toISOString()).toBe(
      '2026-11-23T10:00:00.000Z',
    );
    // Later the same day, second stretch.
    expect(
      nextWorkingStart(
        { mon: ['09:00-12:00', '13:00-17:00'] },
        'Europe/Berlin',
        at('2026-11-23T11:30:00Z'),
      )?.toISOString(),
    ).toBe('2026-11-23T12:00:00.000Z');
  });

  it('moves a start that falls in the spring-forward gap to the first real instant after it', () => {
    // 02:30 on 8 March 2026 does not exist in New York; work starts at 03:30 EDT = 07:30Z.
    expect(
      nextWorkingStart(
        { sun: ['02:30-06:00'] },
        'America/New_York',
        at('2026-03-08T05:00:00Z'),
      )?.toISOString(),
    ).toBe('2026-03-08T07:30:00.000Z');
  });

  it('has no next start for a rep with no hours at all', () => {
    expect(nextWorkingStart({}, 'UTC', at('2026-11-23T10:00:00Z'))).toBeUndefined();
  });

  it("counts the day on the rep's calendar", () => {
    expect(localDay('America/Los_Angeles', at('2026-11-24T03:00:00Z'))).toBe('2026-11-23');
    expect(localDay('Asia/Tokyo', at('2026-11-23T20:00:00Z'))).toBe('2026-11-24');
  });
});
