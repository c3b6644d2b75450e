import { DateTime } from 'luxon';
import { WEEKDAYS, minutesOf, type WorkingHours } from './schedule.js';

/**
 * Business-hours arithmetic: time that counts only while a rep works — their week in their own
 * time zone, less holidays and absences. Stretches are built from wall-clock fields in the zone,
 * so a DST change needs no special case: a 00:00-06:00 stretch is five real hours on a
 * spring-forward night and seven on a fall-back one, as the rep lives them.
 */

/** Away from (inclusive) until (exclusive); no `from`: since ever, no `until`: until further notice. */
export interface Absence {
  from?: Date | string;
  until?: Date | string;
}

export interface BusinessCalendar {
  /** IANA zone the week and the holidays are read in, e.g. Europe/Berlin. */
  timeZone: string;
  week: WorkingHours;
  /** Days off, `YYYY-MM-DD` in the calendar's zone. */
  holidays?: Iterable<string>;
  away?: readonly Absence[];
}

/** How far ahead the arithmetic looks for working time before it says there is none. */
export const BUSINESS_HORIZON_DAYS = 366;

const DAY_MS = 86_400_000;

/** Whether luxon (and so the arithmetic) knows the zone. */
export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

interface Compiled {
  zone: string;
  /** Per ISO weekday 1..7: merged [fromMinute, toMinute) stretches, ascending. */
  days: [number, number][][];
  holidays: Set<string>;
  /** Absences as [fromMs, untilMs), ascending by start. */
  away: [number, number][];
}

const compiledWeeks = new WeakMap<WorkingHours, [number, number][][]>();

function compileWeek(week: WorkingHours): [number, number][][] {
  let days = compiledWeeks.get(week);
  if (days) return days;
  days = WEEKDAYS.map((day) => {
    const stretches = (week[day] ?? [])
      .map((range): [number, number] => {
        const [from, to] = range.split('-');
        return [minutesOf(from), minutesOf(to)];
      })
      .sort((a, b) => a[0] - b[0]);
    // Overlapping or touching ranges count once.
    const merged: [number, number][] = [];
    for (const s of stretches) {
      const last = merged.at(-1);
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([...s]);
    }
    return merged;
  });
  compiledWeeks.set(week, days);
  return days;
}

function msOf(d: Date | string | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  const ms = typeof d === 'string' ? Date.parse(d) : d.getTime();
  return Number.isNaN(ms) ? fallback : ms;
}

function compile(cal: BusinessCalendar): Compiled {
  return {
    zone: cal.timeZone,
    days: compileWeek(cal.week),
    holidays: cal.holidays instanceof Set ? (cal.holidays as Set<string>) : new Set(cal.holidays ?? []),
    away: (cal.away ?? [])
      .map((a): [number, number] => [msOf(a.from, -Infinity), msOf(a.until, Infinity)])
      .filter(([f, u]) => u > f)
      .sort((a, b) => a[0] - b[0]),
  };
}

/** The instant of a wall-clock minute of a local day (24:00 is the next day's midnight). */
function instantOf(day: DateTime, minute: number, zone: string): number {
  if (minute >= 24 * 60) return day.plus({ days: 1 }).startOf('day').toMillis();
  // From wall-clock fields: a time inside a spring-forward gap moves to the next valid instant.
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minute / 60), minute: minute % 60 },
    { zone },
  ).toMillis();
}

/** [a, b) less the absences, as ascending pieces. */
function lessAway(a: number, b: number, away: [number, number][]): [number, number][] {
  let pieces: [number, number][] = [[a, b]];
  for (const [f, u] of away) {
    if (u <= a || f >= b) continue;
    pieces = pieces.flatMap(([x, y]): [number, number][] => {
      if (u <= x || f >= y) return [[x, y]];
      const out: [number, number][] = [];
      if (f > x) out.push([x, f]);
      if (u < y) out.push([u, y]);
      return out;
    });
  }
  return pieces;
}

/**
 * The calendar's working time from `fromMs` on, as ascending [start, end) intervals in epoch ms,
 * up to the horizon. Stops early when an open-ended absence has begun: no working time follows.
 */
function* workingIntervals(c: Compiled, fromMs: number, horizonDays = BUSINESS_HORIZON_DAYS) {
  const start = DateTime.fromMillis(fromMs, { zone: c.zone });
  if (!start.isValid) throw new RangeError(`unknown time zone "${c.zone}"`);
  const firstDay = start.startOf('day');
  const endless = c.away.find(([, u]) => u === Infinity);
  for (let i = 0; i <= horizonDays; i++) {
    const day = firstDay.plus({ days: i });
    const dayStart = day.toMillis();
    if (endless && endless[0] <= dayStart) return;
    if (c.holidays.has(day.toISODate()!)) continue;
    // Skip whole days inside an absence without building their stretches.
    if (c.away.some(([f, u]) => f <= dayStart && u >= dayStart + DAY_MS + 3_600_000)) continue;
    for (const [fromMin, toMin] of c.days[day.weekday - 1]) {
      const a = Math.max(instantOf(day, fromMin, c.zone), fromMs);
      const b = instantOf(day, toMin, c.zone);
      if (b <= a) continue;
      for (const piece of lessAway(a, b, c.away)) yield piece;
    }
  }
}

/**
 * The instant at which `ms` of working time has passed since `start` (a start outside working
 * hours waits for the next stretch). Undefined when the calendar holds that much working time
 * nowhere within the horizon (a week without hours, an open-ended absence).
 */
export function addBusinessTime(start: Date, ms: number, cal: BusinessCalendar): Date | undefined {
  if (ms <= 0) return new Date(start);
  let left = ms;
  for (const [a, b] of workingIntervals(compile(cal), start.getTime())) {
    if (left <= b - a) return new Date(a + left);
    left -= b - a;
  }
  return undefined;
}

/** Working time between two instants, in ms (0 when `to` is not after `from`). */
export function businessTimeBetween(from: Date, to: Date, cal: BusinessCalendar): number {
  const end = to.getTime();
  if (end <= from.getTime()) return 0;
  const days = Math.ceil((end - from.getTime()) / DAY_MS) + 1;
  let total = 0;
  for (const [a, b] of workingIntervals(compile(cal), from.getTime(), days)) {
    if (a >= end) break;
    total += Math.min(b, end) - a;
  }
  return total;
}

/** The first working instant at or after `at`; undefined when there is none within the horizon. */
export function nextBusinessInstant(at: Date, cal: BusinessCalendar): Date | undefined {
  const first = workingIntervals(compile(cal), at.getTime()).next();
  return first.done ? undefined : new Date(first.value[0]);
}

/** Whether the rep is working at `at` (inside a stretch, not on a holiday, not away). */
export function isBusinessTime(at: Date, cal: BusinessCalendar): boolean {
  return nextBusinessInstant(at, cal)?.getTime() === at.getTime();
}
