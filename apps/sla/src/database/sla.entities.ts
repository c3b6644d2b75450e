import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Actor, CrmRef, RepRef, Topics } from '@baton/domain';
import type { BusinessCalendarSnapshot } from '../deadlines/timer-plan.js';

/** The topics whose events can stop a timer. */
export type TouchSource = typeof Topics.LeadActivity | typeof Topics.RepAction;

/** What the SLA service keeps of a lead with its assignment: what a breach names, what a report filters on. */
export interface LeadEssentials {
  name?: string;
  company?: string;
  score: number;
  crmUrl?: string;
  segment?: string;
  source?: string;
}

/**
 * One assignment of a lead as lead.assigned.v1 told it: the rep, the team (routing's pool) and
 * the speed-to-lead start points. A newer assignment of the lead supersedes it.
 */
@Entity({ name: 'assignment' })
@Index('assignment_lead_idx', ['leadId', 'assignedAt'])
@Index('assignment_assigned_at_idx', ['assignedAt'])
export class AssignmentRow {
  @PrimaryColumn({ name: 'assignment_id', type: 'text' })
  assignmentId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'qualification_id', type: 'text' })
  qualificationId!: string;

  @Column({ name: 'rep_id', type: 'text' })
  repId!: string;

  /** Routing's pool: the team a rep works in, by which reports and metrics group. */
  @Column({ type: 'text' })
  team!: string;

  @Column({ name: 'rule_id', type: 'text' })
  ruleId!: string;

  @Column({ type: 'jsonb' })
  rep!: RepRef;

  @Column({ type: 'jsonb' })
  crm!: CrmRef;

  @Column({ type: 'jsonb' })
  lead!: LeadEssentials;

  @Column({ name: 'assigned_at', type: 'timestamptz' })
  assignedAt!: Date;

  /** When Baton received the qualifying signal (start of the system's share of speed-to-lead). */
  @Column({ name: 'signal_received_at', type: 'timestamptz', nullable: true })
  signalReceivedAt!: Date | null;

  @Column({ name: 'previous_rep_id', type: 'text', nullable: true })
  previousRepId!: string | null;

  @Column({ name: 'reassignment_cause', type: 'text', nullable: true })
  reassignmentCause!: string | null;

  @Column({ name: 'superseded_by', type: 'text', nullable: true })
  supersededBy!: string | null;

  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true })
  supersededAt!: Date | null;

  /** Set once a rung asked routing for another rep: one request per assignment, whatever the policies. */
  @Column({ name: 'reassign_requested_at', type: 'timestamptz', nullable: true })
  reassignRequestedAt!: Date | null;

  /** The assigned rep's first touch (occurredAt), whichever policy it stopped, in time or not. */
  @Column({ name: 'first_touch_at', type: 'timestamptz', nullable: true })
  firstTouchAt!: Date | null;

  @Column({ name: 'policy_version', type: 'text' })
  policyVersion!: string;

  @Column({ name: 'armed_at', type: 'timestamptz' })
  armedAt!: Date;
}

/** What stopped a timer: the activity or rep action that satisfied it, or why it was called off. */
export interface TimerStop {
  reason: 'touch' | 'superseded';
  source?: TouchSource;
  eventId?: string;
  kind?: string;
  occurredAt?: string;
  receivedAt?: string;
  actor?: Actor;
  /** superseded: the assignment that replaced this one. */
  by?: string;
  /** The touch arrived after the breach had already fired (judged by when it occurred). */
  arrivedAfterBreach?: boolean;
}

export type TimerState = 'open' | 'met' | 'breached' | 'cancelled';

/** One policy's deadline for one assignment. */
@Entity({ name: 'timer' })
@Index('timer_lead_idx', ['leadId'])
@Index('timer_assignment_idx', ['assignmentId'])
@Index('timer_starts_at_idx', ['startsAt'])
@Index('timer_open_idx', ['policy'], { where: "state = 'open'" })
@Index('timer_rep_breached_idx', ['repId', 'breachedAt'], { where: "state = 'breached'" })
export class TimerRow {
  @PrimaryColumn({ name: 'timer_id', type: 'text' })
  timerId!: string;

  @Column({ name: 'assignment_id', type: 'text' })
  assignmentId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'rep_id', type: 'text' })
  repId!: string;

  @Column({ type: 'text' })
  team!: string;

  @Column({ type: 'text' })
  policy!: string;

  @Column({ type: 'text' })
  clock!: 'wall' | 'business';

  /** Why the clock is not the policy's (a business clock with no working time ahead runs on the wall clock). */
  @Column({ name: 'clock_note', type: 'text', nullable: true })
  clockNote!: string | null;

  /** The rep's calendar as armed: later measurements (time to touch on the policy clock) use the same. */
  @Column({ type: 'jsonb', nullable: true })
  calendar!: BusinessCalendarSnapshot | null;

  @Column({ name: 'window_ms', type: 'integer' })
  windowMs!: number;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt!: Date;

  @Column({ type: 'timestamptz' })
  deadline!: Date;

  @Column({ type: 'text' })
  state!: TimerState;

  @Column({ type: 'jsonb', nullable: true })
  stop!: TimerStop | null;

  /** When what stopped it occurred (or when it was called off). */
  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;

  @Column({ name: 'breached_at', type: 'timestamptz', nullable: true })
  breachedAt!: Date | null;

  @Column({ name: 'armed_at', type: 'timestamptz' })
  armedAt!: Date;
}

export type RungState = 'pending' | 'fired' | 'skipped' | 'cancelled';

/** What firing a rung did, or why it did not. */
export interface RungOutcome {
  skipped?: 'overtaken' | 'already_reassigned' | 'superseded';
  reassignment?: 'requested' | 'capped';
  excludeRepIds?: string[];
  managerTask?: boolean;
}

/** One step of a timer's escalation ladder, due at a wall-clock instant; fired at most once. */
@Entity({ name: 'timer_rung' })
@Index('timer_rung_due_idx', ['dueAt'], { where: "state = 'pending'" })
export class TimerRungRow {
  @PrimaryColumn({ name: 'timer_id', type: 'text' })
  timerId!: string;

  @PrimaryColumn({ type: 'integer' })
  rung!: number;

  @Column({ type: 'text' })
  action!: 'remind_rep' | 'escalate_to_manager' | 'reassign';

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ name: 'manager_task', type: 'boolean' })
  managerTask!: boolean;

  @Column({ type: 'text' })
  state!: RungState;

  @Column({ name: 'fired_at', type: 'timestamptz', nullable: true })
  firedAt!: Date | null;

  /** fired_at − due_at: how late the firing loop was. */
  @Column({ name: 'lateness_ms', type: 'integer', nullable: true })
  latenessMs!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  outcome!: RungOutcome | null;
}

/** Every rep a qualification went to, in order, and how often the SLA service asked for another. */
@Entity({ name: 'qualification' })
export class QualificationRow {
  @PrimaryColumn({ name: 'qualification_id', type: 'text' })
  qualificationId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'rep_ids', type: 'text', array: true })
  repIds!: string[];

  @Column({ type: 'integer' })
  reassignments!: number;
}

/**
 * Rep work and alert actions seen for a lead, whether or not a timer was open: an activity can
 * arrive before its lead.assigned (different topics), and arming looks here. Pruned by age.
 */
@Entity({ name: 'lead_activity' })
@Index('lead_activity_lead_idx', ['leadId', 'occurredAt'])
@Index('lead_activity_received_idx', ['receivedAt'])
export class LeadActivityRow {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ type: 'text' })
  source!: TouchSource;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** lead.activity.v1: who acted, as the connector marked it. */
  @Column({ type: 'jsonb', nullable: true })
  actor!: Actor | null;

  /** lead.activity.v1: the CRM owner id of the person who acted, where known (actor, else actorOwnerId). */
  @Column({ name: 'owner_id', type: 'text', nullable: true })
  ownerId!: string | null;

  /** lead.activity.v1 status_changed: the new status. */
  @Column({ name: 'status_to', type: 'text', nullable: true })
  statusTo!: string | null;

  /** rep.action.v1: the assignment the alert was for, and the rep who acted. */
  @Column({ name: 'assignment_id', type: 'text', nullable: true })
  assignmentId!: string | null;

  @Column({ name: 'rep_id', type: 'text', nullable: true })
  repId!: string | null;
}

/** The first delivered assignment alert per assignment (notification.sent.v1): where system time ends. */
@Entity({ name: 'alert_receipt' })
export class AlertReceiptRow {
  @PrimaryColumn({ name: 'assignment_id', type: 'text' })
  assignmentId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'delivered_at', type: 'timestamptz' })
  deliveredAt!: Date;
}

export type RepPauseState = 'pending' | 'done' | 'skipped' | 'failed';

/**
 * A rep to be paused for the rest of one of their days after too many breaches: asked of
 * routing's admin API outside any transaction (claim, call, record), once per rep and day.
 */
@Entity({ name: 'rep_pause' })
@Index('rep_pause_due_idx', ['nextAttemptAt'], { where: "state = 'pending'" })
export class RepPauseRow {
  @PrimaryColumn({ name: 'rep_id', type: 'text' })
  repId!: string;

  /** The rep's local day, YYYY-MM-DD. */
  @PrimaryColumn({ type: 'text' })
  day!: string;

  @Column({ type: 'integer' })
  breaches!: number;

  /** The rep's next local midnight: away until then. */
  @Column({ name: 'away_until', type: 'timestamptz' })
  awayUntil!: Date;

  @Column({ type: 'text' })
  state!: RepPauseState;

  @Column({ type: 'integer' })
  attempts!: number;

  /** A claim pushes it forward (a lease): a crashed call is tried again after it. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'done_at', type: 'timestamptz', nullable: true })
  doneAt!: Date | null;
}

export const SLA_ENTITIES = [
  AssignmentRow,
  TimerRow,
  TimerRungRow,
  QualificationRow,
  LeadActivityRow,
  AlertReceiptRow,
  RepPauseRow,
];
