import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One lead.activity.v1 event sla handled, keyed by its CloudEvents id. */
@Entity({ name: 'deadlines' })
@Index('deadlines_lead_idx', ['leadId', 'occurredAt'])
export class DeadlinesRow {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  /** When it happened (the event's `time`). */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'handled_at', type: 'timestamptz' })
  handledAt!: Date;

  @Column({ type: 'boolean' })
  late!: boolean;

  /** The policy version that judged it (content hash of sla.yaml). */
  @Column({ name: 'policy_version', type: 'text' })
  policyVersion!: string;
}
