import {
  addBusinessTime,
  isValidTimeZone,
  type Absence,
  type BusinessCalendar,
  type LeadAssigned,
  type WorkingHours,
} from '@baton/domain';
import {
  offsetOf,
  type AppliesTo,
  type Calendar,
  type SlaPolicy,
  type TimerPolicy,
} from '../policy/policy.js';

/** The lead facts a policy's `appliesTo` reads. */
export interface LeadFacts {
  segment?: string;
  score: number;
  pool: string;
  source?: string;
}

export function leadFactsOf(a: LeadAssigned): LeadFacts {
  return {
    segment: a.lead.firmographics.segment,
    score: a.lead.score,
    pool: a.pool,
    source: a.lead.firmographics.source,
  };
}

/** Every listed condition holds (case-insensitive for names); an empty condition matches every lead. */
export function matches(when: AppliesTo, lead: LeadFacts): boolean {
  const inList = (list: string[] | undefined, value: string | undefined) =>
    !list || (value !== undefined && list.some((v) => v.toLowerCase() === value.toLowerCase()));
  return (
    inList(when.segments, lead.segment) &&
    inList(when.pools, lead.pool) &&
    inList(when.sources, lead.source) &&
    (when.scoreMin === undefined || lead.score >= when.scoreMin) &&
    (when.scoreMax === undefined || lead.score < when.scoreMax)
  );
}

/** The rep's calendar as a timer keeps it (JSON): the same one measures the time to touch later. */
export interface BusinessCalendarSnapshot {
  timeZone: string;
  week: WorkingHours;
  holidays: string[];
  away: Absence[];
  /** Where the week came from. */
  weekFrom: 'rep' | 'policy_default';
  /** The holiday calendars applied. */
  calendars: string[];
}

function zoneMatches(pattern: string, zone: string): boolean {
  return pattern.endsWith('*') ? zone.startsWith(pattern.slice(0, -1)) : pattern === zone;
}

/** The holiday calendars that apply to a rep: by rep id, pool or time zone. */
export function calendarsFor(calendars: readonly Calendar[], repId: string, pool: string, zone: string) {
  return calendars.filter(
    (c) => c.reps.includes(repId) || c.pools.includes(pool) || c.timeZones.some((z) => zoneMatches(z, zone)),
  );
}

/** The rep's business calendar at assignment: their week (or the policy's default), zone, absence, holidays. */
export function calendarOf(a: LeadAssigned, policy: SlaPolicy): BusinessCalendarSnapshot {
  const applied = calendarsFor(policy.calendars, a.rep.repId, a.pool, a.rep.timeZone);
  const hasWeek = a.rep.workingHours && Object.values(a.rep.workingHours).some((d) => d && d.length > 0);
  return {
    timeZone: a.rep.timeZone,
    week: hasWeek ? a.rep.workingHours! : policy.defaultWorkingHours,
    holidays: [...new Set(applied.flatMap((c) => c.holidays))].sort(),
    away: a.rep.outOfOffice ? [a.rep.outOfOffice] : [],
    weekFrom: hasWeek ? 'rep' : 'policy_default',
    calendars: applied.map((c) => c.id),
  };
}

export interface PlannedRung {
  rung: number;
  action: TimerPolicy['ladder'][number]['action'];
  dueAt: Date;
  managerTask: boolean;
}

export interface TimerPlan {
  timerId: string;
  policy: string;
  clock: 'wall' | 'business';
  clockNote?: string;
  calendar?: BusinessCalendarSnapshot;
  windowMs: number;
  startsAt: Date;
  deadline: Date;
  rungs: PlannedRung[];
}

export function timerIdOf(assignmentId: string, policy: string): string {
  return `${assignmentId}:${policy}`;
}

/**
 * The timers an assignment gets: one per policy that applies to the lead, each on its clock
 * (the first matching `clockWhen`, else the policy's), with every rung's due instant on the wall
 * clock. A business clock with no working time ahead (no week, an open-ended absence, an unknown
 * zone) falls back to the wall clock and says so, rather than never firing.
 */
export function planTimers(a: LeadAssigned, policy: SlaPolicy): TimerPlan[] {
  const facts = leadFactsOf(a);
  const startsAt = new Date(a.assignedAt);
  const plans: TimerPlan[] = [];
  let calendar: BusinessCalendarSnapshot | undefined;
  for (const p of policy.policies) {
    if (!matches(p.appliesTo, facts)) continue;
    let clock = p.clockWhen.find((c) => matches(c.when, facts))?.clock ?? p.clock;
    let clockNote: string | undefined;
    const offsets = p.ladder.map((r) => offsetOf(r.at, p.window));
    let due: Date[] | undefined;
    if (clock === 'business') {
      calendar ??= calendarOf(a, policy);
      if (!isValidTimeZone(calendar.timeZone)) {
        clockNote = `unknown time zone ${calendar.timeZone}: wall clock`;
      } else {
        const cal: BusinessCalendar = calendar;
        const times = offsets.map((o) => addBusinessTime(startsAt, o, cal));
        if (times.every((t): t is Date => t !== undefined)) due = times;
        else clockNote = 'no working time ahead in the rep calendar (week, absence, holidays): wall clock';
      }
      if (!due) clock = 'wall';
    }
    due ??= offsets.map((o) => new Date(startsAt.getTime() + o));
    plans.push({
      timerId: timerIdOf(a.assignmentId, p.id),
      policy: p.id,
      clock,
      clockNote,
      calendar: clock === 'business' ? calendar : undefined,
      windowMs: p.window,
      startsAt,
      deadline: due[offsets.indexOf(p.window)],
      rungs: p.ladder.map((r, i) => ({
        rung: i,
        action: r.action,
        dueAt: due[i],
        managerTask: r.managerTask,
      })),
    });
  }
  return plans;
}
