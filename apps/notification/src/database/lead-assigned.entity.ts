import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One lead.assigned.v1 event notification handled, keyed by its CloudEvents id. */
@Entity({ name: 'lead_assigned' })
@Index('lead_assigned_lead_idx', ['leadId', 'occurredAt'])
export class LeadAssignedRow {
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

  /** The policy version that judged it (content hash of notification.yaml). */
  @Column({ name: 'policy_version', type: 'text' })
  policyVersion!: string;
}
