import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { Channel, Purpose } from '../delivery/delivery-key.js';

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'skipped';

/**
 * One message to one recipient on one channel for one purpose, caused by one event: claimed before
 * the provider is called, recorded after. `pending` waits for `due_at` (a scheduled intro e-mail,
 * a retry after a 429 or a 5xx); `sending` is claimed until `due_at` (a claim not recorded by then
 * is taken over, `uncertain`: the provider may have it already); `delivered`, `failed` (then the
 * next of `fallbacks` is tried), `skipped` (policy said no, with the reason in `error`).
 */
@Entity({ name: 'delivery' })
@Unique('delivery_cause_id_recipient_channel_purpose_key', ['causeId', 'recipient', 'channel', 'purpose'])
@Index('delivery_status_due_idx', ['status', 'dueAt'])
@Index('delivery_update_due_idx', ['updateDueAt'])
@Index('delivery_assignment_idx', ['assignmentId'])
@Index('delivery_lead_idx', ['leadId', 'createdAt'])
export class DeliveryRow {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'cause_id', type: 'text' })
  causeId!: string;

  @Column({ type: 'text' })
  purpose!: Purpose;

  @Column({ type: 'text' })
  channel!: Channel;

  @Column({ type: 'text' })
  recipient!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'assignment_id', type: 'text', nullable: true })
  assignmentId!: string | null;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ name: 'claim_token', type: 'text', nullable: true })
  claimToken!: string | null;

  @Column({ type: 'boolean' })
  uncertain!: boolean;

  @Column({ type: 'jsonb' })
  fallbacks!: Channel[];

  @Column({ type: 'jsonb' })
  context!: unknown;

  @Column({ name: 'provider_message_id', type: 'text', nullable: true })
  providerMessageId!: string | null;

  @Column({ name: 'provider_channel', type: 'text', nullable: true })
  providerChannel!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Bumped when what the message shows changes after delivery (first touch due, who did what). */
  @Column({ type: 'integer' })
  revision!: number;

  /** When the delivered message is to be updated (chat.update); a claim pushes it by the lease. */
  @Column({ name: 'update_due_at', type: 'timestamptz', nullable: true })
  updateDueAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}

/** users.lookupByEmail answers (Tier 3: looked up once, kept). */
@Entity({ name: 'slack_user' })
export class SlackUserRow {
  @PrimaryColumn({ type: 'text' })
  email!: string;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ name: 'looked_up_at', type: 'timestamptz' })
  lookedUpAt!: Date;
}

/** What a rep (or manager) did from an alert: the source of rep.action.v1. */
@Entity({ name: 'rep_action' })
@Index('rep_action_assignment_idx', ['assignmentId'])
export class RepActionRow {
  @PrimaryColumn({ name: 'action_id', type: 'text' })
  actionId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'assignment_id', type: 'text' })
  assignmentId!: string;

  @Column({ name: 'rep_id', type: 'text' })
  repId!: string;

  @Column({ type: 'text' })
  action!: 'accepted' | 'call_logged' | 'not_mine' | 'reassign_requested';

  @Column({ type: 'text' })
  channel!: Channel;

  /** The person's name as the alert shows it ("Accepted by Ana Silva"). */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'delivery_id', type: 'text' })
  deliveryId!: string;

  @Column({ name: 'acted_at', type: 'timestamptz' })
  actedAt!: Date;
}

/** An assignment's deadlines from sla.armed.v1 ("first touch due" in the alert). */
@Entity({ name: 'sla_deadline' })
export class SlaDeadlineRow {
  @PrimaryColumn({ name: 'assignment_id', type: 'text' })
  assignmentId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'first_touch_due', type: 'timestamptz', nullable: true })
  firstTouchDue!: Date | null;

  @Column({ type: 'jsonb' })
  timers!: Record<string, unknown>[];

  @Column({ name: 'armed_at', type: 'timestamptz' })
  armedAt!: Date;
}

/** The lead's latest assignment as lead.assigned.v1 told it (a pending intro e-mail checks it). */
@Entity({ name: 'current_assignment' })
export class CurrentAssignmentRow {
  @PrimaryColumn({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'assignment_id', type: 'text' })
  assignmentId!: string;

  @Column({ name: 'assigned_at', type: 'timestamptz' })
  assignedAt!: Date;
}

/** The lead's last touch by a person in the CRM (lead.activity.v1): the lead is being worked. */
@Entity({ name: 'lead_touch' })
export class LeadTouchRow {
  @PrimaryColumn({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}

export const NOTIFICATION_ENTITIES = [
  DeliveryRow,
  SlackUserRow,
  RepActionRow,
  SlaDeadlineRow,
  CurrentAssignmentRow,
  LeadTouchRow,
];
