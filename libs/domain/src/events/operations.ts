import { z } from 'zod';
import {
  CrmRefSchema,
  DisqualificationReasonSchema,
  LeadIdSchema,
  LeadStatusSchema,
  LifecycleStageSchema,
  TimestampSchema,
} from './common.js';
import { RepRefSchema } from './lifecycle-events.js';

const CommandBase = {
  commandId: z
    .string()
    .min(1)
    .describe('Idempotency key: a command with an id already carried out is not repeated'),
  leadId: LeadIdSchema,
  crm: CrmRefSchema,
  issuedBy: z.string().describe('baton/<service>'),
  issuedAt: TimestampSchema,
};

/**
 * crm.command.v1: what Baton asks the CRM to do. `update_lead` carries every field
 * change of one step, so the connector can write them in a single API call.
 */
export const CrmCommandSchema = z.discriminatedUnion('action', [
  z.object({
    ...CommandBase,
    action: z.literal('update_lead'),
    changes: z
      .object({
        lifecycleStage: LifecycleStageSchema.optional(),
        leadStatus: LeadStatusSchema.optional(),
        ownerId: z.string().optional(),
        score: z.number().optional(),
        handoffSummary: z.string().optional(),
        disqualificationReason: DisqualificationReasonSchema.optional(),
      })
      .refine((c) => Object.keys(c).length > 0, 'update_lead needs at least one change'),
  }),
  z.object({
    ...CommandBase,
    action: z.literal('create_task'),
    task: z.object({
      subject: z.string().min(1),
      body: z.string().optional(),
      ownerId: z.string().optional(),
      dueAt: TimestampSchema.optional(),
    }),
  }),
  z.object({
    ...CommandBase,
    action: z.literal('enrol_nurture'),
    program: z.string().min(1).describe('HubSpot list/sequence id or Salesforce campaign id, by config'),
  }),
]);
export type CrmCommand = z.infer<typeof CrmCommandSchema>;
export type CrmCommandAction = CrmCommand['action'];

export const SlaPolicySchema = z.string().describe('Policy id, e.g. first_touch or still_new');

/** sla.breached.v1: nobody acted in time. */
export const SlaBreachedSchema = z.object({
  leadId: LeadIdSchema,
  timerId: z.string(),
  assignmentId: z.string(),
  policy: SlaPolicySchema,
  rung: z.number().int().nonnegative().describe('Escalation ladder step, 0 = first breach'),
  action: z.enum(['remind_rep', 'escalate_to_manager', 'reassign']),
  rep: RepRefSchema,
  deadline: TimestampSchema,
  breachedAt: TimestampSchema,
  lead: z.object({
    name: z.string().optional(),
    company: z.string().optional(),
    score: z.number().optional(),
    crmUrl: z.string().optional(),
  }),
});
export type SlaBreached = z.infer<typeof SlaBreachedSchema>;

/** sla.met.v1: the rep acted in time (speed-to-lead fact). */
export const SlaMetSchema = z.object({
  leadId: LeadIdSchema,
  timerId: z.string(),
  assignmentId: z.string(),
  policy: SlaPolicySchema,
  repId: z.string(),
  assignedAt: TimestampSchema,
  deadline: TimestampSchema,
  metAt: TimestampSchema,
  elapsedMs: z.number().int().nonnegative(),
});
export type SlaMet = z.infer<typeof SlaMetSchema>;

/** notification.sent.v1: a delivery receipt. */
export const NotificationSentSchema = z.object({
  leadId: LeadIdSchema,
  notificationId: z.string(),
  causationId: z.string().describe('Id of the event that caused the notification'),
  channel: z.enum(['slack', 'teams', 'email']),
  purpose: z.enum(['assignment_alert', 'intro_email', 'sla_reminder', 'sla_escalation']),
  recipient: z.string(),
  status: z.enum(['delivered', 'failed']),
  providerMessageId: z.string().optional(),
  error: z.string().optional(),
  sentAt: TimestampSchema,
});
export type NotificationSent = z.infer<typeof NotificationSentSchema>;
