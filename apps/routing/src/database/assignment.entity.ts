import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn, Unique } from 'typeorm';
import type { CrmRef, Firmographics, Identity, LeadQualified } from '@baton/domain';
import type { DecisionAudit } from '../assignment/router.js';

/** What routing keeps of a lead with each assignment (enough to route it again on a reassignment). */
export interface LeadSnapshot {
  crm: CrmRef;
  identity: Identity;
  firmographics: Firmographics;
  score: number;
  threshold?: number;
  highIntentSignals?: LeadQualified['highIntentSignals'];
  summary: string;
  openingLine?: string;
  currentOwnerId?: string;
  qualifiedAt: string;
  signalReceivedAt?: string;
}

/**
 * One assignment of a lead, with its audit: the product's record of who got which lead and why
 * (never pruned). Generation 0 is the first assignment of a qualification, each reassignment the
 * next generation, replacing exactly one assignment.
 */
@Entity({ name: 'assignment' })
@Unique('assignment_qualification_id_generation_key', ['qualificationId', 'generation'])
@Index('assignment_lead_idx', ['leadId'])
export class AssignmentRow {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'qualification_id', type: 'text' })
  qualificationId!: string;

  @Column({ type: 'integer' })
  generation!: number;

  @Column({ name: 'replaces_assignment_id', type: 'text', nullable: true })
  replacesAssignmentId!: string | null;

  @OneToOne(() => AssignmentRow)
  @JoinColumn({
    name: 'replaces_assignment_id',
    foreignKeyConstraintName: 'assignment_replaces_assignment_id_fkey',
  })
  replaces?: AssignmentRow;

  @Column({ name: 'rep_id', type: 'text' })
  repId!: string;

  @Column({ name: 'assignee_kind', type: 'text' })
  assigneeKind!: 'rep' | 'manager';

  @Column({ type: 'boolean' })
  current!: boolean;

  @Column({ name: 'rule_id', type: 'text' })
  ruleId!: string;

  @Column({ name: 'pool_id', type: 'text' })
  poolId!: string;

  @Column({ type: 'text' })
  strategy!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text', nullable: true })
  cause!: string | null;

  /** json, not jsonb: written once and read whole, and much cheaper to insert. */
  @Column({ type: 'json' })
  audit!: DecisionAudit;

  @Column({ type: 'json' })
  lead!: LeadSnapshot;

  @Column({ name: 'policy_version', type: 'text' })
  policyVersion!: string;

  @Column({ name: 'source_event_id', type: 'text' })
  sourceEventId!: string;

  @Column({ name: 'assigned_at', type: 'timestamptz' })
  assignedAt!: Date;

  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;
}

/** The rep who last got a lead of a company (by e-mail domain): account continuity. */
@Entity({ name: 'company_owner' })
export class CompanyOwnerRow {
  @PrimaryColumn({ type: 'text' })
  domain!: string;

  @Column({ name: 'rep_id', type: 'text' })
  repId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
