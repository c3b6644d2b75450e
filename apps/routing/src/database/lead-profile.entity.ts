import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CrmRef, Firmographics, Identity } from '@baton/domain';

/** The latest CRM profile of a lead (from lead.profile), which fills what a qualification left out. */
@Entity({ name: 'lead_profile' })
export class LeadProfileRow {
  @PrimaryColumn({ name: 'lead_id', type: 'text' })
  leadId!: string;

  @Column({ type: 'jsonb' })
  crm!: CrmRef;

  @Column({ type: 'jsonb' })
  identity!: Identity;

  @Column({ type: 'jsonb' })
  firmographics!: Firmographics;

  @Column({ name: 'owner_id', type: 'text', nullable: true })
  ownerId!: string | null;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
