import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/** A crossing into SQL: `<leadId>:<seq>`, with the brief and the claims that prove it. */
@Entity({ name: 'qualification' })
@Unique('qualification_lead_id_seq_key', ['leadId', 'seq'])
@Index('qualification_at_idx', ['qualifiedAt'])
export class QualificationEntity {
  @PrimaryColumn({ name: 'qualification_id', type: 'text', primaryKeyConstraintName: 'qualification_pkey' })
  qualificationId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'double precision' })
  score!: number;

  @Column({ type: 'double precision' })
  threshold!: number;

  @Column({ name: 'rules_version', type: 'text' })
  rulesVersion!: string;

  @Column({ type: 'text' })
  summary!: string;

  @Column({ name: 'opening_line', type: 'text', nullable: true })
  openingLine!: string | null;

  @Column({ type: 'jsonb' })
  claims!: unknown;

  @Column({ name: 'written_by', type: 'text' })
  writtenBy!: string;

  @Column({ name: 'cause_event_id', type: 'text', nullable: true })
  causeEventId!: string | null;

  @Column({ name: 'qualified_at', type: 'timestamptz' })
  qualifiedAt!: Date;
}
