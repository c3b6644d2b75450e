import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A logged call, e-mail or meeting already turned into lead.activity, per contact. Kept for good:
 * the activity reader lists a contact's whole engagement history and emits what is not here.
 */
@Entity({ name: 'hubspot_logged_activity' })
export class HubSpotLoggedActivityRow {
  @PrimaryColumn({
    name: 'object_id',
    type: 'text',
    primaryKeyConstraintName: 'hubspot_logged_activity_pkey',
  })
  objectId!: string;

  /** `hubspot:<type>:<id>`, the activity's sourceEventId. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'hubspot_logged_activity_pkey' })
  engagement!: string;

  @Column({ name: 'emitted_at', type: 'timestamptz', default: () => 'now()' })
  emittedAt!: Date;
}
