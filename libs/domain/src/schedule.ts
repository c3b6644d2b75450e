import { z } from 'zod';

/** A rep's week, as sales ops write it in the roster and as events carry it. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const ClockTime = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** "09:00-17:30": one working stretch in the rep's own time zone; overnight stretches are split in two. */
export const HoursRangeSchema = z.string().refine((s) => {
  const [from, to] = s.split('-');
  return ClockTime.test(from ?? '') && ClockTime.test(to ?? '') && minutesOf(from) < minutesOf(to);
}, 'expected "HH:MM-HH:MM" with the end after the start');

/** Working stretches per weekday, in the rep's time zone; a day left out is not worked. */
export const WorkingHoursSchema = z
  .object(
    Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(HoursRangeSchema).optional()])) as Record<
      Weekday,
      z.ZodOptional<z.ZodArray<typeof HoursRangeSchema>>
    >,
  )
  .strict();
export type WorkingHours = z.infer<typeof WorkingHoursSchema>;
