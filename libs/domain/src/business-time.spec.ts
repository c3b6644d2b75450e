import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  businessTimeBetween,
  isBusinessTime,
  isValidTimeZone,
  nextBusinessInstant,
  type BusinessCalendar,
} from './business-time.js';
import type { WorkingHours } from './schedule.js';

const H = 3_600_000;
const nineToFive: WorkingHours = {
  mon: ['09:00-17:00'],
  tue: ['09:00-17:00'],
  wed: ['09:00-17:00'],
  thu: ['09:00-17:00'],
  fri: ['09:00-17:00'],
};
const newYork: BusinessCalendar = { timeZone: 'America/New_York', week: nineToFive };
const berlin: BusinessCalendar = { timeZone: 'Europe/Berlin', week: nineToFive };
const at = (iso: string) => new Date(iso);
const add = (start: string, ms: number, cal: BusinessCalendar) =>
  addBusinessTime(at(start), ms, cal)?.toISOString();

describe('business time across DST changes', () => {
  it('US spring forward: Friday 16:00 EST + 2 h is Monday 10:00 EDT (14:00Z, not 15:00Z)', () => {
    // 2026-03-08 New York moves from UTC-5 to UTC-4 over the weekend.
    expect(add('2026-03-06T21:00:00Z', 2 * H, newYork)).toBe('2026-03-09T14:00:00.000Z');
  });

  it('EU fall back: Friday 16:00 CEST + 2 h is Monday 10:00 CET (09:00Z)', () => {
    // 2026-10-25 Berlin moves from UTC+2 to UTC+1.
    expect(add('2026-10-23T14:00:00Z', 2 * H, berlin)).toBe('2026-10-26T09:00:00.000Z');
  });

  it('a night stretch is five real hours on the spring-forward night and seven on the fall-back one', () => {
    const nySunday: BusinessCalendar = { timeZone: 'America/New_York', week: { sun: ['00:00-06:00'] } };
    expect(businessTimeBetween(at('2026-03-08T00:00:00Z'), at('2026-03-08T18:00:00Z'), nySunday)).toBe(5 * H);
    expect(add('2026-03-08T05:00:00Z', 5 * H, nySunday)).toBe('2026-03-08T10:00:00.000Z');
    const berlinSunday: BusinessCalendar = { timeZone: 'Europe/Berlin', week: { sun: ['00:00-06:00'] } };
    expect(businessTimeBetween(at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'), berlinSunday)).toBe(
      7 * H,
    );
  });

  it('a stretch that starts inside the spring-forward gap starts at the first valid instant', () => {
    // 02:30 does not exist in New York on 2026-03-08: the stretch runs 03:30-04:00 EDT.
    const gap: BusinessCalendar = { timeZone: 'America/New_York', week: { sun: ['02:30-04:00'] } };
    expect(businessTimeBetween(at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z'), gap)).toBe(H / 2);
    expect(nextBusinessInstant(at('2026-03-08T00:00:00Z'), gap)?.toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
  });

  it('in the weeks the US and the EU are out of step, each rep keeps their own offset', () => {
    // 2026-03-10: New York is on EDT (UTC-4) already, Berlin still on CET (UTC+1).
    expect(add('2026-03-10T12:00:00Z', 2 * H, newYork)).toBe('2026-03-10T15:00:00.000Z'); // 09:00 → 11:00 EDT
    expect(add('2026-03-10T12:00:00Z', 2 * H, berlin)).toBe('2026-03-10T14:00:00.000Z'); // 13:00 → 15:00 CET
  });
});

describe('business time over nights and weekends', () => {
  it('a deadline that falls overnight moves into the next morning', () => {
    // Tuesday 16:30 EST + 2 h: 30 min on Tuesday, 90 min on Wednesday morning.
    expect(add('2026-11-24T21:30:00Z', 2 * H, newYork)).toBe('2026-11-25T15:30:00.000Z');
  });

  it('ends at the end of a stretch rather than the next morning when the time fits exactly', () => {
    expect(add('2026-11-24T20:00:00Z', 2 * H, newYork)).toBe('2026-11-24T22:00:00.000Z'); // 15:00 → 17:00
  });

  it('runs through an overnight shift written as two stretches', () => {
    const nights: BusinessCalendar = {
      timeZone: 'America/Chicago',
      week: { mon: ['22:00-24:00'], tue: ['00:00-06:00'] },
    };
    // Monday 23:00 CST + 2 h = Tuesday 01:00 CST.
    expect(add('2026-11-24T05:00:00Z', 2 * H, nights)).toBe('2026-11-24T07:00:00.000Z');
  });

  it('a deadline over a weekend lands on Monday; an assignment on Saturday starts counting Monday 09:00', () => {
    expect(add('2026-11-27T21:00:00Z', 2 * H, newYork)).toBe('2026-11-30T15:00:00.000Z'); // Fri 16:00 → Mon 10:00
    expect(add('2026-11-28T15:00:00Z', 2 * H, newYork)).toBe('2026-11-30T16:00:00.000Z'); // Sat 10:00 → Mon 11:00
  });

  it('counts overlapping ranges once', () => {
    const overlapping: BusinessCalendar = { timeZone: 'UTC', week: { mon: ['09:00-12:00', '11:00-13:00'] } };
    expect(businessTimeBetween(at('2026-11-23T00:00:00Z'), at('2026-11-24T00:00:00Z'), overlapping)).toBe(
      4 * H,
    );
  });
});

describe('business time with absences and holidays', () => {
  it('an out-of-office that starts mid-window pauses the clock until the rep is back', () => {
    const away: BusinessCalendar = {
      ...newYork,
      // Tuesday 11:00 EST until Wednesday 13:00 EST.
      away: [{ from: '2026-11-24T16:00:00Z', until: '2026-11-25T18:00:00Z' }],
    };
    // Tuesday 10:00 + 2 h: 1 h before leaving, 1 h after coming back (Wednesday 14:00 EST).
    expect(add('2026-11-24T15:00:00Z', 2 * H, away)).toBe('2026-11-25T19:00:00.000Z');
    expect(businessTimeBetween(at('2026-11-24T15:00:00Z'), at('2026-11-25T19:00:00Z'), away)).toBe(2 * H);
  });

  it('an absence without an end leaves no working time', () => {
    const gone: BusinessCalendar = { ...newYork, away: [{ from: '2026-11-24T16:00:00Z' }] };
    expect(addBusinessTime(at('2026-11-24T15:00:00Z'), 2 * H, gone)).toBeUndefined();
    expect(addBusinessTime(at('2026-11-24T15:00:00Z'), H, gone)?.toISOString()).toBe(
      '2026-11-24T16:00:00.000Z',
    );
  });

  it('skips holidays of the calendar, read as local days', () => {
    const christmas: BusinessCalendar = { ...berlin, holidays: ['2026-12-25'] };
    // Thursday 24 Dec 16:00 CET + 2 h: 1 h on Thursday, Friday is a holiday, Monday 28 Dec 09:00-10:00.
    expect(add('2026-12-24T15:00:00Z', 2 * H, christmas)).toBe('2026-12-28T09:00:00.000Z');
    expect(add('2026-12-24T15:00:00Z', 2 * H, berlin)).toBe('2026-12-25T09:00:00.000Z');
  });

  it('a holiday is the local day: 23:30 UTC on 24 Dec is already Christmas in Berlin', () => {
    const cal: BusinessCalendar = {
      timeZone: 'Europe/Berlin',
      week: { fri: ['00:00-24:00'] },
      holidays: ['2026-12-25'],
    };
    expect(isBusinessTime(at('2026-12-24T23:30:00Z'), cal)).toBe(false);
    expect(isBusinessTime(at('2026-12-24T22:30:00Z'), { ...cal, holidays: [] })).toBe(false); // Thursday 23:30
    expect(isBusinessTime(at('2026-12-24T23:30:00Z'), { ...cal, holidays: [] })).toBe(true);
  });

  it('a week without hours has no working time', () => {
    expect(addBusinessTime(at('2026-11-24T15:00:00Z'), H, { timeZone: 'UTC', week: {} })).toBeUndefined();
    expect(nextBusinessInstant(at('2026-11-24T15:00:00Z'), { timeZone: 'UTC', week: {} })).toBeUndefined();
  });
});

describe('business time, generally', () => {
  it('knows which zones exist', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('tells working time from off time', () => {
    expect(isBusinessTime(at('2026-11-24T14:00:00Z'), newYork)).toBe(true); // Tue 09:00 EST
    expect(isBusinessTime(at('2026-11-24T13:59:59Z'), newYork)).toBe(false);
    expect(isBusinessTime(at('2026-11-24T22:00:00Z'), newYork)).toBe(false); // 17:00: the stretch has ended
  });

  it('zero working time is the start itself', () => {
    expect(add('2026-11-28T15:00:00Z', 0, newYork)).toBe('2026-11-28T15:00:00.000Z');
  });

  it('adding then measuring gives the time back, in any zone, across any change of offset', () => {
    const zones = [
      'America/New_York',
      'Europe/Berlin',
      'America/Los_Angeles',
      'Europe/London',
      'Asia/Kolkata',
    ];
    const year = Date.parse('2026-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 * 24 * 60 }),
        fc.integer({ min: 1, max: 3 * 8 * 60 }),
        fc.constantFrom(...zones),
        fc.boolean(),
        (startMinute, workMinutes, timeZone, withHoliday) => {
          const start = new Date(year + startMinute * 60_000);
          const cal: BusinessCalendar = {
            timeZone,
            week: { ...nineToFive, sat: ['10:00-12:30'], sun: ['22:00-24:00'] },
            holidays: withHoliday ? ['2026-03-09', '2026-10-26', '2026-12-25'] : [],
          };
          const end = addBusinessTime(start, workMinutes * 60_000, cal)!;
          expect(end.getTime()).toBeGreaterThan(start.getTime());
          expect(businessTimeBetween(start, end, cal)).toBe(workMinutes * 60_000);
          expect(isBusinessTime(new Date(end.getTime() - 1), cal)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
