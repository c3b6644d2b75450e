import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ACTIVITY_KINDS, RepActionSchema, WorkingHoursSchema, isValidTimeZone } from '@baton/domain';
import { PolicyError, loadPolicy, parsePolicy, type LoadedPolicy } from '@baton/platform';

/** The sample policy shipped with the service (used when BATON_POLICY_DIR is not set). */
export const BUNDLED_POLICY_DIR = fileURLToPath(new URL('../../config/policy', import.meta.url));
/** The quickstart's policy: a one-minute first touch, so a reminder shows while one watches. */
export const DEMO_POLICY_DIR = fileURLToPath(new URL('../../config/demo', import.meta.url));
export const POLICY_FILE = 'sla.yaml';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "45m", "2h", "1d" → ms. */
export const DurationSchema = z
  .string()
  .regex(/^\d+(\.\d+)?[smhd]$/, 'expected a duration like 45m, 2h or 1d')
  .transform((s) => Math.round(Number(s.slice(0, -1)) * UNIT_MS[s.at(-1) as keyof typeof UNIT_MS]));

/** A rung's place on the policy clock: a share of the window ("75%", "200%") or time since assignment ("90m"). */
const RungAtSchema = z.union([
  z
    .string()
    .regex(/^\d+(\.\d+)?%$/, 'expected a share of the window like 75% or a duration like 90m')
    .transform((s) => ({ percent: Number(s.slice(0, -1)) })),
  DurationSchema.transform((ms) => ({ ms })),
]);

export const RungActionSchema = z.enum(['remind_rep', 'escalate_to_manager', 'reassign']);
export type RungAction = z.infer<typeof RungActionSchema>;

const RungSchema = z
  .object({
    at: RungAtSchema,
    action: RungActionSchema,
    /** crm.command.v1 create_task for the manager (or the rep, when the manager's owner id is unknown). */
    managerTask: z.boolean().default(false),
  })
  .strict();

const ClockSchema = z.enum(['wall', 'business']);
export type PolicyClock = z.infer<typeof ClockSchema>;

/** Which leads a policy (or a clock rule) applies to; every listed condition must hold, an empty one matches all. */
export const AppliesToSchema = z
  .object({
    segments: z.array(z.string().min(1)).min(1).optional(),
    scoreMin: z.number().optional(),
    scoreMax: z.number().optional().describe('exclusive'),
    pools: z.array(z.string().min(1)).min(1).optional(),
    sources: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .default({});
export type AppliesTo = z.infer<typeof AppliesToSchema>;

const StoppedBySchema = z
  .object({
    /** Rep work in lead.activity.v1 that stops the clock (a person's, by the assigned rep). */
    activities: z.array(z.enum(ACTIVITY_KINDS)).default([]),
    /** What the rep did from the alert (rep.action.v1) that counts, as sales ops decide. */
    repActions: z.array(RepActionSchema.shape.action).default([]),
    /** The lead's status moved away from New (by a person). */
    statusLeavesNew: z.boolean().default(false),
  })
  .strict()
  .refine((s) => s.activities.length > 0 || s.repActions.length > 0 || s.statusLeavesNew, {
    message: 'name at least one of activities, repActions, statusLeavesNew',
  });

const PolicySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _'),
    description: z.string().optional(),
    window: DurationSchema,
    clock: ClockSchema,
    /** Clock exceptions, first match wins: e.g. urgent leads on the wall clock. */
    clockWhen: z.array(z.object({ when: AppliesToSchema, clock: ClockSchema }).strict()).default([]),
    appliesTo: AppliesToSchema,
    stoppedBy: StoppedBySchema,
    ladder: z.array(RungSchema).min(1),
  })
  .strict();

const CalendarSchema = z
  .object({
    id: z.string().min(1),
    /** Zones it applies to: exact (Europe/Berlin) or a prefix ending in * (America/*). */
    timeZones: z.array(z.string().min(1)).default([]),
    pools: z.array(z.string().min(1)).default([]),
    reps: z.array(z.string().min(1)).default([]),
    holidays: z.array(z.iso.date()).default([]),
  })
  .strict();

export const SlaPolicySchema = z
  .object({
    version: z.string().min(1),
    policies: z.array(PolicySchema).min(1),
    /** The week of a rep whose lead.assigned carries none. */
    defaultWorkingHours: WorkingHoursSchema.default({
      mon: ['09:00-17:00'],
      tue: ['09:00-17:00'],
      wed: ['09:00-17:00'],
      thu: ['09:00-17:00'],
      fri: ['09:00-17:00'],
    }),
    calendars: z.array(CalendarSchema).default([]),
    touch: z
      .object({
        /**
         * assigned_rep: only the assigned rep's own work counts (their CRM owner id); any_person:
         * anyone's, for CRMs where owner ids are not known.
         */
        by: z.enum(['assigned_rep', 'any_person']).default('assigned_rep'),
      })
      .strict()
      .default({ by: 'assigned_rep' }),
    reassignment: z
      .object({ maxPerQualification: z.number().int().min(0).max(20).default(2) })
      .strict()
      .default({ maxPerQualification: 2 }),
    /**
     * A rep breaching this many deadlines in one of their own days is listed in GET /sla/report;
     * with `pauseForTheDay`, routing is also told to give them no new leads until their midnight.
     */
    repBreachAlert: z
      .object({
        breachesPerDay: z.number().int().min(1).default(3),
        pauseForTheDay: z.boolean().default(false),
      })
      .strict()
      .default({ breachesPerDay: 3, pauseForTheDay: false }),
  })
  .strict()
  .superRefine((p, ctx) => {
    const ids = new Set<string>();
    p.policies.forEach((policy, i) => {
      if (ids.has(policy.id))
        ctx.addIssue({ code: 'custom', path: ['policies', i, 'id'], message: `duplicate id ${policy.id}` });
      ids.add(policy.id);
      const offsets = policy.ladder.map((r) => offsetOf(r.at, policy.window));
      offsets.forEach((o, j) => {
        if (j > 0 && o <= offsets[j - 1])
          ctx.addIssue({
            code: 'custom',
            path: ['policies', i, 'ladder', j, 'at'],
            message: 'rungs must come later than the one before',
          });
        if (o <= 0)
          ctx.addIssue({
            code: 'custom',
            path: ['policies', i, 'ladder', j, 'at'],
            message: 'a rung comes after the assignment',
          });
      });
      if (!offsets.includes(policy.window))
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'ladder'],
          message: 'the ladder needs a rung at the deadline (100% of the window)',
        });
    });
    p.calendars.forEach((c, i) =>
      c.timeZones.forEach((z, j) => {
        if (!z.endsWith('*') && !isValidTimeZone(z))
          ctx.addIssue({
            code: 'custom',
            path: ['calendars', i, 'timeZones', j],
            message: `unknown time zone ${z}`,
          });
      }),
    );
  });
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;
export type TimerPolicy = SlaPolicy['policies'][number];
export type Rung = TimerPolicy['ladder'][number];
export type Calendar = SlaPolicy['calendars'][number];

/** A rung's offset from the assignment on the policy clock, in ms. */
export function offsetOf(at: Rung['at'], windowMs: number): number {
  return 'percent' in at ? Math.round((windowMs * at.percent) / 100) : at.ms;
}

export function parseSlaPolicy(text: string, file = POLICY_FILE): LoadedPolicy<SlaPolicy> {
  return parsePolicy(file, text, SlaPolicySchema);
}

/**
 * Reads and validates sla.yaml; a PolicyError names the file and every bad key. Given the
 * environment (at start-up), also what the policy needs of it: pausing reps needs routing's URL.
 */
export function loadSlaPolicy(dir: string, env?: { SLA_ROUTING_URL?: string }): LoadedPolicy<SlaPolicy> {
  const loaded = loadPolicy(dir, POLICY_FILE, SlaPolicySchema);
  if (env) requireSettings(loaded, env);
  return loaded;
}

/** What a policy needs of the environment: pausing reps goes through routing's admin API. */
export function requireSettings(loaded: LoadedPolicy<SlaPolicy>, env: { SLA_ROUTING_URL?: string }): void {
  if (loaded.policy.repBreachAlert.pauseForTheDay && !env.SLA_ROUTING_URL)
    throw new PolicyError(loaded.file, [
      'repBreachAlert.pauseForTheDay: pausing reps goes through routing: set SLA_ROUTING_URL',
    ]);
}
