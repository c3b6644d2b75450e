import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LeadSnapshot } from '../mapping/lead-changes.js';

/** The last status, owner, stage and reason seen of a lead: rep activity is the difference. */
@Entity({ name: 'lead_snapshot' })
export class LeadSnapshotRow {
  @PrimaryColumn({ name: 'lead_id', type: 'text', primaryKeyConstraintName: 'lead_snapshot_pkey' })
  leadId!: string;

  @Column({ type: 'jsonb' })
  snapshot!: LeadSnapshot;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
