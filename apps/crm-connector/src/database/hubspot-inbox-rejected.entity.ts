import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A webhook event set aside: refused at the edge (nested too deep, not an event, occurredAt out
 * of range) or failing every attempt of the inbox worker. The raw event is cleaned and bounded.
 * Pruned by housekeeping (retainedTables).
 */
@Entity({ name: 'hubspot_inbox_rejected' })
@Index('hubspot_inbox_rejected_received_at', ['receivedAt'])
export class HubSpotInboxRejectedRow {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'hubspot_inbox_rejected_pkey',
  })
  id!: string;

  @Column({ name: 'event_id', type: 'text', nullable: true })
  eventId!: string | null;

  @Column({ name: 'object_id', type: 'text', nullable: true })
  objectId!: string | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  raw!: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
