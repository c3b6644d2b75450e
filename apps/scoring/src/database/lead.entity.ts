import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CrmRef, LeadProfile, LifecycleStage } from '@baton/domain';

/** A lead's scoring state: stage, score, latest CRM profile, recycle baseline. */
@Entity({ name: 'lead' })
@Index('lead_first_seen_idx', ['firstSeenAt'])
export class LeadEntity {
  @PrimaryColumn({ name: 'lead_id', type: 'text', primaryKeyConstraintName: 'lead_pkey' })
  leadId!: string;

  @Column({ type: 'jsonb' })
  crm!: CrmRef;

  @Column({ type: 'text' })
  stage!: LifecycleStage;

  @Column({ type: 'double precision', default: 0 })
  score!: number;

  @Column({ name: 'peak_score', type: 'double precision', default: 0 })
  peakScore!: number;

  @Column({ name: 'high_intent_count', type: 'integer', default: 0 })
  highIntentCount!: number;

  @Column({ name: 'qualification_count', type: 'integer', default: 0 })
  qualificationCount!: number;

  @Column({ type: 'jsonb', nullable: true })
  profile!: LeadProfile | null;

  @Column({ name: 'profile_event_id', type: 'text', nullable: true })
  profileEventId!: string | null;

  /** Unused since the first release (the profile carries its own occurredAt). */
  @Column({ name: 'profile_at', type: 'timestamptz', nullable: true })
  profileAt!: Date | null;

  @Column({ name: 'baseline_since', type: 'timestamptz', nullable: true })
  baselineSince!: Date | null;

  @Column({ name: 'baseline_keep', type: 'double precision', nullable: true })
  baselineKeep!: number | null;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt!: Date;

  /** When sales first made it pipeline (opportunity or customer). */
  @Column({ name: 'opportunity_at', type: 'timestamptz', nullable: true })
  opportunityAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  /** A fresh random value whenever the lead's stored signals change (see SignalCache). */
  @Column({ name: 'signal_token', type: 'text', nullable: true })
  signalToken!: string | null;
}
