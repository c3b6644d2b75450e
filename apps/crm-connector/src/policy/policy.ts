import { z } from 'zod';
import {
  ACTIVITY_KINDS,
  DISQUALIFICATION_REASONS,
  ENGAGEMENT_KIND_NAMES,
  LEAD_STATUSES,
  LIFECYCLE_STAGES,
  countryProblem,
  industryProblem,
  subdivisionProblem,
  type CrmProvider,
  type Industry,
} from '@baton/domain';
import { loadPolicy, type LoadedPolicy } from '@baton/platform';

/** The engagement facts both CRMs are reduced to before signals.yaml classifies them. */
export const ENGAGEMENT_FACT_TYPES = [
  'form_submission',
  'page_view',
  'email_open',
  'email_click',
  'content_download',
  'meeting_booked',
  'quote_request',
  'custom_event',
] as const;
export type EngagementFactType = (typeof ENGAGEMENT_FACT_TYPES)[number];

const crmField = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a CRM field name');
const valueMap = <T extends readonly [string, ...string[]]>(values: T) =>
  z.record(z.string().min(1), z.enum(values));

/** A value checked against a Baton vocabulary; the message names the nearest valid values. */
const vocabulary = (problemOf: (value: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * How the CRM's free text and picklists read as Baton's vocabularies. The datasets already read
 * codes and names in many languages; these tables add the org's own picklist values and the
 * spellings the datasets miss. A value none of them reads is left empty, never guessed.
 */
const NormalisationValues = {
  /** CRM industry value (enum value, picklist value or label) → Baton industry id. */
  industry: z
    .record(
      z.string().min(1),
      vocabulary(industryProblem).transform((v) => v as Industry),
    )
    .default({}),
  /** Extra country spellings → ISO 3166-1 alpha-2 code. */
  country: z
    .record(
      z.string().min(1),
      vocabulary(countryProblem).transform((v) => v.toUpperCase()),
    )
    .default({}),
  /** Per country (alpha-2): extra state/region spellings → ISO 3166-2 code ("BY" or "DE-BY"). */
  state: z
    .record(vocabulary(countryProblem), z.record(z.string().min(1), z.string().min(1)))
    .default({})
    .superRefine((byCountry, ctx) => {
      for (const [country, table] of Object.entries(byCountry)) {
        for (const [spelling, code] of Object.entries(table)) {
          const problem = subdivisionProblem(code, [country]);
          if (problem) ctx.addIssue({ code: 'custom', path: [country, spelling], message: problem });
        }
      }
    }),
};

export const FieldMappingSchema = z.object({
  identity: z
    .object({
      firstName: crmField,
      lastName: crmField,
      fullName: crmField,
      email: crmField,
      phone: crmField,
      company: crmField,
      title: crmField,
      country: crmField,
      state: crmField,
    })
    .partial()
    .strict(),
  firmographics: z
    .object({
      employees: crmField,
      annualRevenue: crmField,
      industry: crmField,
      segment: crmField,
      domain: crmField,
      source: crmField,
      productInterest: crmField,
    })
    .partial()
    .strict(),
  lifecycleStage: crmField,
  leadStatus: crmField,
  ownerId: crmField,
  disqualificationReason: crmField,
  score: crmField,
  handoffSummary: crmField,
  custom: z.record(z.string().min(1), crmField).default({}),
});
export type FieldMapping = z.infer<typeof FieldMappingSchema>;

const MappingBase = {
  version: z.string().optional(),
  objectType: z.string().min(1),
  recordUrl: z.string().optional().describe('Template with {id}, {portalId}, {instanceUrl}'),
  fields: FieldMappingSchema,
  values: z.object({
    lifecycleStage: valueMap(LIFECYCLE_STAGES),
    leadStatus: valueMap(LEAD_STATUSES),
    disqualificationReason: valueMap(DISQUALIFICATION_REASONS),
    ...NormalisationValues,
  }),
  /**
   * Baton value → CRM value for writes, where the first CRM value that reads as it is not the
   * right one to write; null = this CRM keeps no such value, the field is left alone.
   */
  writeValues: z
    .object({
      lifecycleStage: z.partialRecord(z.enum(LIFECYCLE_STAGES), z.string().min(1).nullable()).default({}),
      leadStatus: z.partialRecord(z.enum(LEAD_STATUSES), z.string().min(1).nullable()).default({}),
    })
    .strict()
    .default({ lifecycleStage: {}, leadStatus: {} }),
  disqualifyingStatuses: z.array(z.enum(LEAD_STATUSES)).min(1),
};

export const HubSpotMappingSchema = z
  .object({
    ...MappingBase,
    provider: z.literal('hubspot'),
    engagementTriggers: z.array(crmField).default([]),
    /** Contact properties HubSpot moves when a rep logs a call, e-mail or meeting. */
    activityTriggers: z.array(crmField).default([]),
    eventTypes: z.record(z.string().min(1), z.enum(ENGAGEMENT_FACT_TYPES)),
    eventProperties: z
      .object({
        url: z.array(z.string()).default([]),
        title: z.array(z.string()).default([]),
        formId: z.array(z.string()).default([]),
        campaign: z.array(z.string()).default([]),
      })
      .default({ url: [], title: [], formId: [], campaign: [] }),
  })
  .strict();
export type HubSpotMapping = z.infer<typeof HubSpotMappingSchema>;

export const SalesforceMappingSchema = z
  .object({
    ...MappingBase,
    provider: z.literal('salesforce'),
    taskActivities: z.record(z.string().min(1), z.enum(ACTIVITY_KINDS)).default({}),
    taskEngagements: z.record(z.string().min(1), z.enum(ENGAGEMENT_FACT_TYPES)).default({}),
  })
  .strict();
export type SalesforceMapping = z.infer<typeof SalesforceMappingSchema>;

export type CrmMapping = HubSpotMapping | SalesforceMapping;

export const SignalRuleSchema = z
  .object({
    match: z
      .object({
        type: z.enum(ENGAGEMENT_FACT_TYPES),
        name: z.string().min(1).optional(),
        nameContains: z.string().min(1).optional(),
        urlPath: z.string().startsWith('/').optional(),
        urlPathPrefix: z.string().startsWith('/').optional(),
      })
      .strict(),
    signal: z.enum(ENGAGEMENT_KIND_NAMES),
    contentTag: z.string().min(1).optional(),
  })
  .strict();
export type SignalRule = z.infer<typeof SignalRuleSchema>;

export const SignalsPolicySchema = z
  .object({
    version: z.string().optional(),
    signals: z.array(SignalRuleSchema).min(1),
  })
  .strict();
export type SignalsPolicy = z.infer<typeof SignalsPolicySchema>;

export interface ConnectorPolicy {
  mapping: LoadedPolicy<CrmMapping>;
  signals: LoadedPolicy<SignalsPolicy>;
}

export function mappingFileOf(provider: CrmProvider): string {
  return `mapping.${provider}.yaml`;
}

/** Loads and validates the mapping of one provider plus the signal rules; throws PolicyError naming file and key. */
export function loadConnectorPolicy(dir: string, provider: CrmProvider): ConnectorPolicy {
  const mapping: LoadedPolicy<CrmMapping> =
    provider === 'hubspot'
      ? loadPolicy(dir, mappingFileOf('hubspot'), HubSpotMappingSchema)
      : loadPolicy(dir, mappingFileOf('salesforce'), SalesforceMappingSchema);
  const signals = loadPolicy(dir, 'signals.yaml', SignalsPolicySchema);
  return { mapping, signals };
}

/** The HubSpot mapping (`@Inject(HUBSPOT_MAPPING)`), provided by HubSpotModule. */
export const HUBSPOT_MAPPING = Symbol('HUBSPOT_MAPPING');
/** The Salesforce mapping (`@Inject(SALESFORCE_MAPPING)`), provided by SalesforceModule. */
export const SALESFORCE_MAPPING = Symbol('SALESFORCE_MAPPING');

/** The loaded mapping, which must be the provider's (the policy is loaded for CRM_PROVIDER). */
export function mappingOf<P extends CrmProvider>(
  policy: ConnectorPolicy,
  provider: P,
): Extract<CrmMapping, { provider: P }> {
  const mapping = policy.mapping.policy;
  if (mapping.provider !== provider) throw new Error(`${policy.mapping.file} is not a ${provider} mapping`);
  return mapping as Extract<CrmMapping, { provider: P }>;
}
