import { z } from 'zod';
import {
  DisqualificationReasonSchema,
  EngagementKindSchema,
  countryProblem,
  industryProblem,
} from '@baton/domain';
import { loadPolicy, parsePolicy, type LoadedPolicy } from '@baton/platform';

export const SCORING_POLICY_FILE = 'scoring.yaml';

const regex = z.string().refine((s) => {
  try {
    new RegExp(s, 'i');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** A value leads carry (a Baton vocabulary); the message names the nearest valid values. */
const vocabulary = (problemOf: (value: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, _ . - only');

/** Points lose weight with age: a half-life, or a hard expiry window. */
const DecaySchema = z.union([
  z.strictObject({ halfLifeDays: z.number().positive() }),
  z.strictObject({ expireAfterDays: z.number().positive() }),
]);

const GroupSchema = z.strictObject({
  cap: z.number().positive().optional().describe('Most points the group can give'),
  decay: DecaySchema.optional(),
});

/** Every filter given must match (case-insensitive); a missing filter matches anything. */
const EngagementMatchSchema = z
  .strictObject({
    urlPattern: regex.optional(),
    formId: z.string().optional(),
    formTitlePattern: regex.optional(),
    titlePattern: regex.optional(),
    contentTag: z.string().optional(),
    campaign: z.string().optional(),
    eventName: z.string().optional(),
  })
  .default({});

const EngagementRuleSchema = z.strictObject({
  id: ruleId,
  label: z.string().min(1),
  group: z.string().min(1),
  kind: EngagementKindSchema,
  match: EngagementMatchSchema,
  points: z.number(),
  cap: z.number().positive().optional().describe('Most points this rule can give, however often it fires'),
});

const FitConditionSchema = z
  .strictObject({
    employees: z
      .strictObject({
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().nonnegative().optional(),
      })
      .optional(),
    industries: z
      .array(vocabulary(industryProblem))
      .min(1)
      .optional()
      .describe('Baton industry ids (INDUSTRIES in @baton/domain), e.g. software'),
    countries: z
      .array(vocabulary(countryProblem))
      .min(1)
      .optional()
      .describe('ISO 3166-1 alpha-2 codes, e.g. DE'),
    titlePatterns: z.array(regex).min(1).optional(),
    emailDomains: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('Matches the e-mail domain (free mail, competitors)'),
  })
  .refine((c) => Object.keys(c).length > 0, 'a fit rule needs at least one condition');

const FitRuleSchema = z.strictObject({
  id: ruleId,
  label: z.string().min(1),
  group: z.string().min(1),
  when: FitConditionSchema,
  points: z.number(),
  disqualifying: z.boolean().default(false).describe('A hit blocks qualification to SQL'),
});

const RecyclingSchema = z.strictObject({
  nurtureReasons: z.array(DisqualificationReasonSchema).default(['timing']),
  nurtureProgram: z.string().min(1),
  onRecycle: z
    .strictObject({
      mode: z.enum(['reset', 'decay']),
      keepFraction: z
        .number()
        .min(0)
        .max(1)
        .default(0.5)
        .describe('decay mode: weight kept by engagement before the recycle'),
    })
    .default({ mode: 'reset', keepFraction: 0 }),
});

export const ScoringPolicySchema = z
  .strictObject({
    version: z.string().min(1),
    thresholds: z
      .strictObject({
        sql: z.number().default(50),
        mql: z.number().default(25),
        minHighIntentSignals: z.number().int().nonnegative().default(3),
        requireProfile: z
          .boolean()
          .default(true)
          .describe('No SQL before the CRM profile is known (fit rules, identity)'),
      })
      .default({ sql: 50, mql: 25, minHighIntentSignals: 3, requireProfile: true }),
    totalCap: z.number().positive().optional(),
    groups: z.record(z.string(), GroupSchema).default({}),
    engagementRules: z.array(EngagementRuleSchema).min(1),
    fitRules: z.array(FitRuleSchema).default([]),
    recycling: RecyclingSchema,
  })
  .superRefine((p, ctx) => {
    if (p.thresholds.mql >= p.thresholds.sql) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', 'mql'], message: 'must be below thresholds.sql' });
    }
    const seen = new Set<string>();
    const check = (list: { id: string; group: string }[], key: string) =>
      list.forEach((r, i) => {
        if (seen.has(r.id))
          ctx.addIssue({ code: 'custom', path: [key, i, 'id'], message: `duplicate rule id "${r.id}"` });
        seen.add(r.id);
        if (!(r.group in p.groups)) {
          ctx.addIssue({
            code: 'custom',
            path: [key, i, 'group'],
            message: `unknown group "${r.group}" (declare it under groups)`,
          });
        }
      });
    check(p.engagementRules, 'engagementRules');
    check(p.fitRules, 'fitRules');
  });

export type ScoringPolicy = z.infer<typeof ScoringPolicySchema>;
export type EngagementRule = ScoringPolicy['engagementRules'][number];
export type FitRule = ScoringPolicy['fitRules'][number];
export type Decay = z.infer<typeof DecaySchema>;

/** A validated policy with its version (declared version + content hash), as decisions record it. */
export interface ScoringRules {
  policy: ScoringPolicy;
  version: string;
  file: string;
}

function toRules(loaded: LoadedPolicy<ScoringPolicy>): ScoringRules {
  return { policy: loaded.policy, version: loaded.version, file: loaded.file };
}

export function loadScoringRules(dir: string, file = SCORING_POLICY_FILE): ScoringRules {
  return toRules(loadPolicy(dir, file, ScoringPolicySchema));
}

export function parseScoringRules(file: string, text: string): ScoringRules {
  return toRules(parsePolicy(file, text, ScoringPolicySchema));
}
