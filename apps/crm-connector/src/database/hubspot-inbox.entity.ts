import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { HubSpotWebhookEvent } from '../hubspot/webhook-events.js';

/** A verified HubSpot webhook event, stored before the 2xx; HubSpot's eventId is the dedupe key. */
@Entity({ name: 'hubspot_inbox' })
@Index('hubspot_inbox_pending', ['receivedAt', 'occurredAt'], { where: 'processed_at IS NULL' })
@Index('hubspot_inbox_processed', ['processedAt'], { where: 'processed_at IS NOT NULL' })
export class HubSpotInboxRow {
  @PrimaryColumn({ name: 'event_id', type: 'text', primaryKeyConstraintName: 'hubspot_inbox_pkey' })
  eventId!: string;

  @Column({ name: 'object_id', type: 'text' })
  objectId!: string;

  @Column({ name: 'subscription_type', type: 'text' })
  subscriptionType!: string;

  /** HubSpot's occurredAt, epoch milliseconds (bigint: read back as a string). */
  @Column({ name: 'occurred_at', type: 'bigint' })
  occurredAt!: string;

  @Column({ type: 'jsonb' })
  payload!: HubSpotWebhookEvent;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  /** Rounds that failed on this event; set aside in hubspot_inbox_rejected after a few. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
