import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EngagementKind } from '@baton/domain';
import type { Signal } from '../scoring/score.js';

/** A stored signal: one thing the prospect did, once per CRM event (`source_event_id`). */
@Entity({ name: 'engagement' })
export class EngagementEntity {
  @PrimaryColumn({ name: 'lead_id', type: 'text', primaryKeyConstraintName: 'engagement_pkey' })
  leadId!: string;

  @PrimaryColumn({ name: 'source_event_id', type: 'text', primaryKeyConstraintName: 'engagement_pkey' })
  sourceEventId!: string;

  @Column({ type: 'text' })
  kind!: EngagementKind;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'jsonb' })
  detail!: Signal['detail'];

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
