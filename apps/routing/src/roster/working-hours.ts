import { DateTime } from 'luxon';
import { WEEKDAYS, minutesOf, type WorkingHours } from '../policy/policy.schema.js';

interface Stretch {
  from: number;
  to: number;
}

const parsedHours = new WeakMap<WorkingHours, Stretch[][]>();

function stretchesOf(hours: WorkingHours, weekday: number): Stretch[] {
  let week = parsedHours.get(hours);
  if (!week) {
    week = WEEKDAYS.map((day) =>
      (hours[day] ?? [])
        .map((range) => {
          const [from, to] = range.split('-');
          return { from: minutesOf(from), to: minutesOf(to) };
        })
        .sort((a, b) => a.from - b.from),
    );
    parsedHours.set(hours, week);
  }
  return week[weekday - 1];
}

interface LocalClock {
  weekday: number;
  minute: number;
  day: string;
}

// A batch of decisions is judged at one instant: the zone conversion is done once per zone.
const clocks = new Map<string, LocalClock>();

function localClock(timeZone: string, at: Date): LocalClock {
  const key = `${timeZone}|${at.getTime()}`;
  let c = clocks.get(key);
  if (!c) {
    const local = DateTime.fromJSDate(at, { zone: timeZone });
    c = {
      weekday: local.weekday,
      minute: local.hour * 60 + local.minute,
      day: local.toISODate() ?? at.toISOString().slice(0, 10),
    };
    if (clocks.size > 10_000) clocks.clear();
    clocks.set(key, c);
  }
  return c;
}

/**
 * Whether `at` falls inside the rep's working hours, read on the rep's own wall clock
 * (luxon resolves the zone's offset at that instant, so DST changes need no special case).
 */
export function isWithinWorkingHours(hours: WorkingHours, timeZone: string, at: Date): boolean {
  const { weekday, minute } = localClock(timeZone, at);
  return stretchesOf(hours, weekday).some((s) => minute >= s.from && minute < s.to);
}

/** The next instant the rep starts work (now if already working); undefined when the week has no hours. */
export function nextWorkingStart(hours: WorkingHours, timeZone: string, at: Date): Date | undefined {
  if (isWithinWorkingHours(hours, timeZone, at)) return at;
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  for (let offset = 0; offset <= 7; offset++) {
    const day = local.startOf('day').plus({ days: offset });
    for (const s of stretchesOf(hours, day.weekday)) {
      // Built from wall-clock fields: a start inside a spring-forward gap moves to the next valid instant.
      const start = DateTime.fromObject(
        {
          year: day.year,
          month: day.month,
          day: day.day,
          hour: Math.floor(s.from / 60),
          minute: s.from % 60,
        },
        { zone: timeZone },
      );
      if (start.toMillis() > at.getTime()) return start.toJSDate();
    }
  }
  return undefined;
}

/** The rep's calendar day at `at` (daily capacity resets at the rep's local midnight). */
export function localDay(timeZone: string, at: Date): string {
  return localClock(timeZone, at).day;
}
