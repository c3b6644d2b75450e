import { z } from 'zod';
import {
  CrmRefSchema,
  DisqualificationReasonSchema,
  LeadIdSchema,
  LeadStatusSchema,
  LifecycleStageSchema,
  TimestampSchema,
} from './common.js';
import { NotifyChannelSchema, RepRefSchema } from './lifecycle-events.js';

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

/**
 * crm.command.v1 `log_email` (proposed): an e-mail Baton sent on the rep's behalf (notification's
 * intro e-mail), to log as an e-mail activity on the lead. It joins CrmCommandSchema's union once
 * crm-connector executes it: the connector's switches over the actions are exhaustive, so adding
 * it to the union first would fail the connector's typecheck. Until then notification keeps each
 * sent intro e-mail in this shape (its `intro_email` rows) for the connector to log.
 */
export const CrmLogEmailCommandSchema = z.object({
  ...CommandBase,
  action: z.literal('log_email'),
  email: z
    .object({
      messageId: z.string().min(1).describe('RFC 5322 Message-ID of the sent e-mail'),
      from: z.string().min(1),
      to: z.string().min(1),
      subject: z.string(),
      text: z.string().describe('The plain-text body as sent'),
      sentAt: TimestampSchema,
      ownerId: z.string().optional().describe('CRM owner id of the rep it was sent from'),
    })
    .describe("An e-mail Baton sent on the rep's behalf, to log as an e-mail activity on the lead"),
});
export type CrmLogEmailCommand = z.infer<typeof CrmLogEmailCommandSchema>;

export const SlaPolicySchema = z.string().describe('Policy id, e.g. first_touch or still_new');

/** wall: 24/7; business: the rep's working hours, out-of-office and holidays. */
export const SlaClockSchema = z.enum(['wall', 'business']);

/** sla.armed.v1: the deadlines of an assignment, as the SLA service set them. */
export const SlaArmedSchema = z.object({
  leadId: LeadIdSchema,
  assignmentId: z.string(),
  repId: z.string(),
  timers: z.array(
    z.object({
      timerId: z.string(),
      policy: SlaPolicySchema,
      clock: SlaClockSchema,
      deadline: TimestampSchema.describe('When the policy is breached, on the wall clock'),
      rungs: z.array(
        z.object({
          rung: z.number().int().nonnegative(),
          action: z.enum(['remind_rep', 'escalate_to_manager', 'reassign']),
          at: TimestampSchema,
        }),
      ),
    }),
  ),
  armedAt: TimestampSchema,
});
export type SlaArmed = z.infer<typeof SlaArmedSchema>;

/** rep.action.v1: what a rep (or manager) did from an alert. */
export const RepActionSchema = z.object({
  leadId: LeadIdSchema,
  actionId: z.string().describe('Unique per action (dedupe)'),
  assignmentId: z.string(),
  repId: z.string().describe('The Baton rep (or manager) who acted'),
  action: z.enum(['accepted', 'call_logged', 'not_mine', 'reassign_requested']),
  channel: NotifyChannelSchema,
  note: z.string().max(2000).optional(),
  actedAt: TimestampSchema,
});
export type RepAction = z.infer<typeof RepActionSchema>;

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
  clock: SlaClockSchema.optional(),
  lateByMs: z.number().int().nonnegative().optional().describe('breachedAt − deadline on the wall clock'),
  reassignments: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Reassignments of this qualification so far'),
  reassignmentCapped: z
    .boolean()
    .optional()
    .describe('On a reassign rung: the qualification reached its reassignment cap, so the manager decides'),
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
  clock: SlaClockSchema.optional(),
  touch: z
    .object({
      kind: z.string(),
      occurredAt: TimestampSchema,
      source: z.string().describe('lead.activity.v1 or rep.action.v1'),
    })
    .optional(),
  speedToLead: z
    .object({
      systemMs: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe('Qualifying signal received → rep alerted (wall clock): what Baton takes'),
      systemEnd: z
        .enum(['alert_delivered', 'assigned'])
        .optional()
        .describe(
          "Where systemMs ends: the assignment alert's delivery receipt, or the assignment when no receipt came",
        ),
      humanMs: z
        .number()
        .int()
        .nonnegative()
        .describe('Assignment → first touch (wall clock): what the rep takes'),
      humanPolicyClockMs: z
        .number()
        .int()
        .nonnegative()
        .describe('Assignment → first touch on the policy clock (business hours where the policy says)'),
    })
    .optional(),
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
  assignmentId: z.string().optional(),
  latency: z
    .object({
      fromSignalMs: z.number().int().optional().describe('Qualifying signal received by Baton → delivered'),
      fromAssignmentMs: z.number().int().optional().describe('lead.assigned → delivered'),
    })
    .optional(),
});
export type NotificationSent = z.infer<typeof NotificationSentSchema>;
