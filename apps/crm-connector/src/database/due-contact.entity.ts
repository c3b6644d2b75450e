import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CrmRef } from '@baton/domain';

/** A contact whose HubSpot data the webhooks do not carry and a reader must fetch. */
abstract class DueContactColumns {
  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ type: 'jsonb' })
  crm!: CrmRef;

  @Column({ name: 'due_since', type: 'timestamptz', default: () => 'now()' })
  dueSince!: Date;

  /** Rounds that failed on this contact alone; set aside after a few. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;
}

/** Contacts whose behavioural events the events API must be read for. */
@Entity({ name: 'hubspot_engagement_due' })
export class HubSpotEngagementDueRow extends DueContactColumns {
  @PrimaryColumn({
    name: 'object_id',
    type: 'text',
    primaryKeyConstraintName: 'hubspot_engagement_due_pkey',
  })
  objectId!: string;
}

/** Contacts whose logged calls, e-mails and meetings must be read. */
@Entity({ name: 'hubspot_activity_due' })
export class HubSpotActivityDueRow extends DueContactColumns {
  @PrimaryColumn({ name: 'object_id', type: 'text', primaryKeyConstraintName: 'hubspot_activity_due_pkey' })
  objectId!: string;
}
