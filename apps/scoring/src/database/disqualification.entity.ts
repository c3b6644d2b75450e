import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LifecycleStage } from '@baton/domain';

/** Sales closed or returned a lead, once per CRM event, with what scoring did about it. */
@Entity({ name: 'disqualification' })
export class DisqualificationEntity {
  @PrimaryColumn({ name: 'source_event_id', type: 'text', primaryKeyConstraintName: 'disqualification_pkey' })
  sourceEventId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  outcome!: 'nurture' | 'disqualified';

  @Column({ name: 'stage_before', type: 'text' })
  stageBefore!: LifecycleStage;

  @Column({ type: 'text', nullable: true })
  detail!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
