import { z } from 'zod';
import {
  ActivityKindSchema,
  ActorSchema,
  CrmRefSchema,
  DisqualificationReasonSchema,
  EngagementKindSchema,
  FirmographicsSchema,
  IdentitySchema,
  LeadIdSchema,
  LeadStatusSchema,
  LifecycleStageSchema,
  TimestampSchema,
} from './common.js';

/** lead.profile.v1: the canonical lead as the CRM holds it now. */
export const LeadProfileSchema = z.object({
  leadId: LeadIdSchema,
  crm: CrmRefSchema,
  change: z.enum(['created', 'updated', 'merged', 'deleted']),
  occurredAt: TimestampSchema,
  identity: IdentitySchema,
  firmographics: FirmographicsSchema,
  lifecycleStage: LifecycleStageSchema.optional(),
  leadStatus: LeadStatusSchema.optional(),
  ownerId: z.string().optional().describe('CRM owner id of the current owner, if any'),
  changedFields: z.array(z.string()).optional(),
  mergedLeadIds: z.array(LeadIdSchema).optional().describe('On change=merged: the ids merged into this lead'),
  custom: z.record(z.string(), z.unknown()).optional().describe('Mapped custom fields'),
});
export type LeadProfile = z.infer<typeof LeadProfileSchema>;

/** lead.engagement.v1: one thing the prospect did. */
export const LeadEngagementSchema = z.object({
  leadId: LeadIdSchema,
  crm: CrmRefSchema,
  kind: EngagementKindSchema,
  occurredAt: TimestampSchema,
  sourceEventId: z.string().min(1).describe('The CRM event id this signal came from (dedupe key)'),
  detail: z
    .object({
      url: z.string().optional(),
      title: z.string().optional().describe('Page title, asset title or form name as the prospect saw it'),
      formId: z.string().optional(),
      contentTag: z.string().optional().describe('Theme of the content, e.g. security'),
      campaign: z.string().optional(),
      eventName: z.string().optional().describe('Custom behavioural event name'),
      properties: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
});
export type LeadEngagement = z.infer<typeof LeadEngagementSchema>;

/** lead.activity.v1: what a rep did (or the CRM on a rep's behalf); `actor` tells who. */
export const LeadActivitySchema = z.object({
  leadId: LeadIdSchema,
  crm: CrmRefSchema,
  kind: ActivityKindSchema,
  occurredAt: TimestampSchema,
  sourceEventId: z.string().min(1),
  actorOwnerId: z.string().optional().describe('CRM owner id of the rep who acted'),
  actor: ActorSchema.optional().describe(
    'Who acted: only kind=person is a rep working the lead; integrations and Baton are not',
  ),
  status: z.object({ from: LeadStatusSchema.optional(), to: LeadStatusSchema }).optional(),
  owner: z.object({ from: z.string().optional(), to: z.string() }).optional(),
  stage: z.object({ from: LifecycleStageSchema.optional(), to: LifecycleStageSchema }).optional(),
  subject: z.string().optional(),
});
export type LeadActivity = z.infer<typeof LeadActivitySchema>;

/** lead.disqualified.v1: a rep closed the lead, with the reason. */
export const LeadDisqualifiedSchema = z.object({
  leadId: LeadIdSchema,
  crm: CrmRefSchema,
  reason: DisqualificationReasonSchema,
  detail: z.string().optional().describe('Free text the rep gave'),
  disqualifiedByOwnerId: z.string().optional(),
  occurredAt: TimestampSchema,
  sourceEventId: z.string().min(1),
});
export type LeadDisqualified = z.infer<typeof LeadDisqualifiedSchema>;
