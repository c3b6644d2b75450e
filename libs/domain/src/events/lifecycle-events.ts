import { z } from 'zod';
import { WorkingHoursSchema } from '../schedule.js';
import {
  CrmRefSchema,
  DisqualificationReasonSchema,
  EngagementKindSchema,
  FirmographicsSchema,
  IdentitySchema,
  LeadIdSchema,
  LifecycleStageSchema,
  ScoreContributionSchema,
  TimestampSchema,
} from './common.js';

/** lead.scored.v1: the score moved. */
export const LeadScoredSchema = z.object({
  leadId: LeadIdSchema,
  score: z.number(),
  previousScore: z.number(),
  stage: LifecycleStageSchema,
  breakdown: z.array(ScoreContributionSchema),
  highIntentSignalCount: z.number().int().nonnegative(),
  rulesVersion: z.string(),
  scoredAt: TimestampSchema,
});
export type LeadScored = z.infer<typeof LeadScoredSchema>;

/**
 * lead.qualified.v1: the public contract. The lead crossed into SQL on evidence;
 * everything a downstream team needs to act on it is here.
 */
export const HighIntentSignalsSchema = z
  .array(z.object({ kind: EngagementKindSchema, label: z.string(), lastSeenAt: TimestampSchema }))
  .describe('Distinct high-intent signals seen');

export const LeadQualifiedSchema = z.object({
  leadId: LeadIdSchema,
  qualificationId: z
    .string()
    .min(1)
    .describe('Unique per qualification; a recycled lead that qualifies again gets a new one'),
  crm: CrmRefSchema,
  identity: IdentitySchema,
  firmographics: FirmographicsSchema,
  score: z.number(),
  threshold: z.number(),
  breakdown: z.array(ScoreContributionSchema).describe('Which signals and fit facts gave which points'),
  highIntentSignals: HighIntentSignalsSchema,
  summary: z.string().max(1000).describe('The journey brief written for the rep'),
  openingLine: z.string().optional(),
  signalReceivedAt: TimestampSchema.optional().describe(
    'When Baton received the event that qualified the lead (start of speed-to-lead system time)',
  ),
  currentOwnerId: z.string().optional().describe('CRM owner id when the lead already has an owner'),
  rulesVersion: z.string(),
  qualifiedAt: TimestampSchema,
});
export type LeadQualified = z.infer<typeof LeadQualifiedSchema>;

/** lead.recycled.v1: sales returned the lead to marketing nurture. */
export const LeadRecycledSchema = z.object({
  leadId: LeadIdSchema,
  crm: CrmRefSchema,
  reason: DisqualificationReasonSchema,
  previousStage: LifecycleStageSchema,
  scoreBefore: z.number(),
  scoreAfter: z.number(),
  nurtureProgram: z.string(),
  recycledAt: TimestampSchema,
});
export type LeadRecycled = z.infer<typeof LeadRecycledSchema>;

/** Where a person wants alerts, in order of preference (the roster says; routing carries it). */
export const NotifyChannelSchema = z.enum(['slack', 'teams', 'email']);
export type NotifyChannel = z.infer<typeof NotifyChannelSchema>;

export const RepRefSchema = z.object({
  repId: z.string(),
  name: z.string(),
  email: z.string(),
  crmOwnerId: z.string().optional(),
  slackUserId: z.string().optional(),
  teamsUserId: z.string().optional(),
  timeZone: z.string(),
  channels: z
    .array(NotifyChannelSchema)
    .optional()
    .describe('Alert channels in order of preference; absent: Slack, then Teams, then e-mail, as ids allow'),
  workingHours: WorkingHoursSchema.optional().describe(
    "The rep's week in their own time zone (business-hours clocks)",
  ),
  outOfOffice: z
    .object({ from: TimestampSchema.optional(), until: TimestampSchema.optional() })
    .optional()
    .describe('Away from (inclusive) until (exclusive), as known at assignment'),
  manager: z
    .object({
      repId: z.string().optional(),
      name: z.string(),
      email: z.string(),
      crmOwnerId: z
        .string()
        .optional()
        .describe("The manager's CRM owner id (owner of an escalation task), where the roster has it"),
      slackUserId: z.string().optional(),
      teamsUserId: z.string().optional(),
      timeZone: z.string().optional(),
      channels: z.array(NotifyChannelSchema).optional(),
    })
    .optional(),
});
export type RepRef = z.infer<typeof RepRefSchema>;

/** lead.assigned.v1: a rep owns the lead now; carries what the alert needs. */
export const LeadAssignedSchema = z.object({
  leadId: LeadIdSchema,
  assignmentId: z.string(),
  qualificationId: z.string(),
  crm: CrmRefSchema,
  rep: RepRefSchema,
  ruleId: z.string(),
  pool: z.string(),
  strategy: z.enum(['weighted_rotation', 'least_loaded', 'existing_owner', 'manager_queue']),
  reason: z.string().describe('Short reason a person can read: why this rep'),
  lead: z.object({
    identity: IdentitySchema,
    firmographics: FirmographicsSchema,
    score: z.number(),
    threshold: z.number().optional(),
    highIntentSignals: HighIntentSignalsSchema.optional(),
    summary: z.string(),
    openingLine: z.string().optional(),
    qualifiedAt: TimestampSchema.optional(),
    signalReceivedAt: TimestampSchema.optional().describe(
      'When Baton received the event that qualified the lead (start of speed-to-lead system time)',
    ),
    emailOptOut: z
      .boolean()
      .optional()
      .describe('The contact opted out of e-mail in the CRM (no intro e-mail is sent); absent: not known'),
    existingCustomer: z
      .boolean()
      .optional()
      .describe("The lead's company is already a customer (no intro e-mail is sent); absent: not known"),
    language: z
      .string()
      .optional()
      .describe("The prospect's language (BCP 47, e.g. de or pt-BR) where the CRM holds it"),
  }),
  reassignment: z
    .object({ previousRepId: z.string(), cause: z.string() })
    .optional()
    .describe('Present when this assignment replaces an earlier one'),
  assignedAt: TimestampSchema,
});
export type LeadAssigned = z.infer<typeof LeadAssignedSchema>;

/** lead.reassignment.v1: a request (from the SLA service or an admin) to give the lead to another rep. */
export const LeadReassignmentRequestedSchema = z.object({
  leadId: LeadIdSchema,
  assignmentId: z.string().describe('The assignment being replaced'),
  requestedBy: z.enum(['sla', 'admin', 'rep']).describe('rep: the rep said "Not mine" from the alert'),
  cause: z.string(),
  excludeRepIds: z.array(z.string()).default([]),
  requestedAt: TimestampSchema,
});
export type LeadReassignmentRequested = z.infer<typeof LeadReassignmentRequestedSchema>;
