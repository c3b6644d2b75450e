import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { LifecycleStage } from '@baton/domain';

/** One move of a lead's lifecycle stage, with its cause, the event behind it and the rules version. */
@Entity({ name: 'stage_change' })
@Index('stage_change_lead_idx', ['leadId', 'id'])
export class StageChangeEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'stage_change_pkey' })
  id!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ name: 'from_stage', type: 'text' })
  fromStage!: LifecycleStage;

  @Column({ name: 'to_stage', type: 'text' })
  toStage!: LifecycleStage;

  @Column({ type: 'text' })
  cause!: string;

  @Column({ name: 'cause_event_id', type: 'text', nullable: true })
  causeEventId!: string | null;

  @Column({ type: 'double precision' })
  score!: number;

  @Column({ name: 'rules_version', type: 'text' })
  rulesVersion!: string;

  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt!: Date;
}
