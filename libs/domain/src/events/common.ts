import { z } from 'zod';
import {
  CRM_PROVIDERS,
  DISQUALIFICATION_REASONS,
  ENGAGEMENT_KIND_NAMES,
  LEAD_STATUSES,
  LIFECYCLE_STAGES,
  ACTIVITY_KINDS,
  ACTOR_KINDS,
} from '../lifecycle.js';

/** `hubspot:contact:51`, `salesforce:Lead:00Q5e00000AbCdE`: stable and CRM-qualified. */
export const LeadIdSchema = z
  .string()
  .regex(
    /^(hubspot|salesforce):[A-Za-z_]+:[A-Za-z0-9_-]+$/,
    'lead id must look like <provider>:<objectType>:<id>',
  )
  .describe('Stable, CRM-qualified lead id, e.g. hubspot:contact:51');

export const TimestampSchema = z.iso.datetime({ offset: true }).describe('ISO-8601 timestamp');

export const CrmProviderSchema = z.enum(CRM_PROVIDERS);
export const LifecycleStageSchema = z.enum(LIFECYCLE_STAGES);
export const LeadStatusSchema = z.enum(LEAD_STATUSES);
export const DisqualificationReasonSchema = z.enum(DISQUALIFICATION_REASONS);
export const EngagementKindSchema = z.enum(ENGAGEMENT_KIND_NAMES);
export const ActivityKindSchema = z.enum(ACTIVITY_KINDS);
export const ActorKindSchema = z.enum(ACTOR_KINDS);

/** Who made a change: a person, an integration, Baton itself, or first sight of the record. */
export const ActorSchema = z
  .object({
    kind: ActorKindSchema,
    userId: z.string().optional().describe('CRM user id of the person (HubSpot user id, Salesforce User Id)'),
    ownerId: z.string().optional().describe('CRM owner id of the person, where the CRM tells it'),
    integrationId: z
      .string()
      .optional()
      .describe('The app or API client that made the change (HubSpot sourceId, Salesforce client)'),
    source: z
      .string()
      .optional()
      .describe("The CRM's own word for the origin (HubSpot changeSource, Salesforce changeOrigin)"),
  })
  .describe('Who made the change');
export type Actor = z.infer<typeof ActorSchema>;

export const CrmRefSchema = z
  .object({
    provider: CrmProviderSchema,
    objectType: z
      .string()
      .min(1)
      .describe('CRM object type: contact (HubSpot), Lead or Contact (Salesforce)'),
    id: z.string().min(1).describe('The record id inside the CRM'),
    url: z.url().optional().describe('Link to the record in the CRM UI'),
  })
  .describe('Where the lead lives in the CRM');
export type CrmRef = z.infer<typeof CrmRefSchema>;

/** Who the prospect is: what a rep needs before dialling. */
export const IdentitySchema = z.object({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  fullName: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  company: z.string().optional(),
  title: z.string().optional(),
  country: z
    .string()
    .optional()
    .describe(
      'ISO 3166-1 alpha-2 code, e.g. DE; absent when the CRM value could not be read (see countryRaw)',
    ),
  state: z
    .string()
    .optional()
    .describe('ISO 3166-2 code, e.g. US-TX; absent when the CRM value could not be read (see stateRaw)'),
  countryRaw: z.string().optional().describe('The country as the CRM holds it, e.g. "United States"'),
  stateRaw: z.string().optional().describe('The state or region as the CRM holds it, e.g. "Texas"'),
});
export type Identity = z.infer<typeof IdentitySchema>;

/** Facts about the company that fit rules and routing rules read. */
export const FirmographicsSchema = z.object({
  employees: z.number().int().nonnegative().optional(),
  annualRevenue: z.number().nonnegative().optional(),
  industry: z
    .string()
    .optional()
    .describe('Baton industry id (INDUSTRIES in @baton/domain), e.g. software; absent when unmapped'),
  industryRaw: z
    .string()
    .optional()
    .describe('The industry as the CRM holds it, e.g. COMPUTER_SOFTWARE or Technology'),
  segment: z.string().optional().describe('smb | mid_market | enterprise, or as sales ops name them'),
  domain: z.string().optional(),
  source: z.string().optional().describe('Lead source, e.g. webinar, paid_search'),
  productInterest: z.array(z.string()).optional(),
});
export type Firmographics = z.infer<typeof FirmographicsSchema>;

export const ScoreContributionSchema = z.object({
  ruleId: z.string(),
  label: z.string().describe('Human wording of the rule, e.g. "Requested a demo"'),
  group: z.string().describe('Scoring group, e.g. engagement or fit'),
  points: z.number(),
  signal: EngagementKindSchema.optional(),
  occurrences: z.number().int().nonnegative().optional(),
  lastSeenAt: TimestampSchema.optional(),
});
export type ScoreContribution = z.infer<typeof ScoreContributionSchema>;
