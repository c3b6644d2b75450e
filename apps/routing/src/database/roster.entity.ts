import { Check, Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { RepState } from '../roster/rep.js';

/** The YAML-owned part of a rep, refreshed from roster.yaml at every start. */
export type RepProfile = Omit<
  RepState,
  'weight' | 'active' | 'inRoster' | 'awayFrom' | 'awayUntil' | 'openLeads'
>;

/** A day-to-day change of a rep through the admin API (null clears). */
export interface RepChange {
  active?: boolean;
  weight?: number;
  awayFrom?: Date | null;
  awayUntil?: Date | null;
  awayNote?: string | null;
}

/** A rep: who they are (profile, from roster.yaml) and the day-to-day state the admin API owns. */
@Entity({ name: 'rep' })
@Check('rep_weight_check', 'weight > 0')
export class RepRow {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'jsonb' })
  profile!: RepProfile;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'integer' })
  weight!: number;

  @Column({ name: 'away_from', type: 'timestamptz', nullable: true })
  awayFrom!: Date | null;

  @Column({ name: 'away_until', type: 'timestamptz', nullable: true })
  awayUntil!: Date | null;

  @Column({ name: 'away_note', type: 'text', nullable: true })
  awayNote!: string | null;

  @Column({ name: 'in_roster', type: 'boolean', default: true })
  inRoster!: boolean;

  @Column({ name: 'open_leads', type: 'integer', default: 0 })
  openLeads!: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/** Who changed what of a rep through the admin API, and when. */
@Entity({ name: 'roster_change' })
export class RosterChangeRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'rep_id', type: 'text' })
  repId!: string;

  @Column({ type: 'jsonb' })
  change!: RepChange;

  @Column({ name: 'changed_by', type: 'text' })
  changedBy!: string;

  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt!: Date;
}

/** Leads a rep got on one day of their own calendar (daily capacity). */
@Entity({ name: 'rep_daily_load' })
export class RepDailyLoadRow {
  @PrimaryColumn({ name: 'rep_id', type: 'text' })
  repId!: string;

  /** YYYY-MM-DD */
  @PrimaryColumn({ type: 'date' })
  day!: string;

  @Column({ type: 'integer' })
  assigned!: number;
}
