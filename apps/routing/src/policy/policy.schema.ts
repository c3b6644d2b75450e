import { IANAZone } from 'luxon';
import { z } from 'zod';
import { NotifyChannelSchema, suggestCountries, suggestSubdivisions, territoryProblem } from '@baton/domain';

// The week's shape is shared with the events that carry a rep's hours (libs/domain).
export { HoursRangeSchema, WEEKDAYS, WorkingHoursSchema, minutesOf } from '@baton/domain';
export type { Weekday, WorkingHours } from '@baton/domain';
import { WorkingHoursSchema } from '@baton/domain';

export const TimeZoneSchema = z
  .string()
  .refine((tz) => IANAZone.isValidZone(tz), 'not an IANA time zone (e.g. Europe/Berlin)');

const TERRITORY_SHAPE = /^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$/;

/**
 * "US" (whole country, ISO 3166-1 alpha-2) or "US-CA" (a state or region, ISO 3166-2): the codes
 * crm-connector gives leads, so a territory written any other way would never match one.
 */
export const TerritorySchema = z
  .string()
  .superRefine((s, ctx) => {
    if (!TERRITORY_SHAPE.test(s)) {
      const [country, ...rest] = s.split(/[-,]/);
      const near = rest.length
        ? suggestSubdivisions(rest.join('-').trim(), suggestCountries(country)[0])
        : suggestCountries(s);
      ctx.addIssue({
        code: 'custom',
        message: `expected a country code ("DE") or country-state ("US-CA")${near.length ? `; did you mean ${near.map((c) => `"${c}"`).join(' or ')}?` : ''}`,
      });
      return;
    }
    const problem = territoryProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((s) => s.toUpperCase());

const Tags = z.array(z.string().min(1)).default([]);

/** Alert channels in order of preference; left out: Slack, then Teams, then e-mail, as ids allow. */
const Channels = z.array(NotifyChannelSchema).min(1).optional();

export const RepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
    name: z.string().min(1),
    email: z.email(),
    crmOwnerIds: z
      .object({ hubspot: z.string().min(1).optional(), salesforce: z.string().min(1).optional() })
      .strict()
      .default({}),
    slackUserId: z.string().optional(),
    teamsUserId: z.string().optional(),
    channels: Channels,
    managerId: z.string().optional(),
    timeZone: TimeZoneSchema,
    workingHours: WorkingHoursSchema.optional().describe('Defaults to roster.defaults.workingHours'),
    territories: z.array(TerritorySchema).default([]).describe('Empty: every territory'),
    products: Tags.describe('Empty: every product'),
    segments: Tags.describe('Empty: every segment'),
    weight: z.number().int().min(1).max(1000).default(1),
    dailyCapacity: z.number().int().min(1).max(1_000_000).default(50),
    active: z.boolean().default(true),
  })
  .strict();
export type RepPolicy = z.infer<typeof RepSchema>;

export const ManagerSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    email: z.email(),
    crmOwnerIds: z
      .object({ hubspot: z.string().optional(), salesforce: z.string().optional() })
      .strict()
      .default({}),
    slackUserId: z.string().optional(),
    teamsUserId: z.string().optional(),
    channels: Channels,
    timeZone: TimeZoneSchema.default('UTC'),
  })
  .strict();
export type ManagerPolicy = z.infer<typeof ManagerSchema>;

export const HoursModeSchema = z.enum(['strict', 'next_available']);
export type HoursMode = z.infer<typeof HoursModeSchema>;

export const PoolSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
    name: z.string().optional(),
    members: z.array(z.string()).min(1),
    managerId: z.string().describe('Whose queue gets the lead when nobody in the chain is eligible'),
    hoursMode: HoursModeSchema.default('strict'),
    fallbackPool: z.string().optional().describe('Tried next when nobody here is eligible'),
  })
  .strict();
export type PoolPolicy = z.infer<typeof PoolSchema>;

export const RosterPolicySchema = z
  .object({
    version: z.string().optional(),
    defaults: z.object({ workingHours: WorkingHoursSchema }).strict().optional(),
    managers: z.array(ManagerSchema).default([]),
    reps: z.array(RepSchema).min(1),
    pools: z.array(PoolSchema).min(1),
  })
  .strict();
export type RosterPolicy = z.infer<typeof RosterPolicySchema>;

export const StrategySchema = z.enum(['weighted_rotation', 'least_loaded', 'existing_owner']);
export type RuleStrategy = z.infer<typeof StrategySchema>;

const lower = z.string().transform((s) => s.toLowerCase());

export const ConditionsSchema = z
  .object({
    // Compared case-insensitively; kept as written so a policy error quotes the file.
    country: z.array(z.string()).optional().describe('ISO 3166-1 alpha-2 codes, e.g. US'),
    state: z.array(z.string()).optional().describe('ISO 3166-2 codes, e.g. US-TX'),
    productInterest: z
      .array(lower)
      .optional()
      .describe('Matches when the lead is interested in any of these'),
    employees: z
      .object({
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    segment: z.array(lower).optional(),
    industry: z
      .array(z.string())
      .optional()
      .describe('Baton industry ids (INDUSTRIES in @baton/domain), e.g. software'),
    source: z.array(lower).optional(),
  })
  .strict();
export type RuleConditions = z.infer<typeof ConditionsSchema>;

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
    description: z.string().optional(),
    when: ConditionsSchema.default({}),
    strategy: StrategySchema,
    pool: z.string().optional().describe('Required except for existing_owner'),
  })
  .strict()
  .refine((r) => r.strategy === 'existing_owner' || r.pool !== undefined, {
    message: 'pool is required for this strategy',
    path: ['pool'],
  });
export type RulePolicy = z.infer<typeof RuleSchema>;

export const SegmentBandSchema = z
  .object({
    id: lower,
    minEmployees: z.number().int().nonnegative().default(0),
    maxEmployees: z.number().int().nonnegative().optional(),
  })
  .strict();

export const RoutingRulesSchema = z
  .object({
    version: z.string().optional(),
    segments: z
      .array(SegmentBandSchema)
      .default([])
      .describe('Derives a segment from employees when the CRM gave none'),
    freeMailDomains: z
      .array(lower)
      .default(['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'gmx.de', 'web.de']),
    rules: z.array(RuleSchema).min(1),
  })
  .strict();
export type RoutingRules = z.infer<typeof RoutingRulesSchema>;
