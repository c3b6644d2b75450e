import { Column, Entity, Index, PrimaryColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { schemaOf } from '../src/schema.js';

/** A small entity, and migrations that do and do not create its table as it describes it. */
@Entity({ name: 'drift_lead' })
@Index('drift_lead_owner', ['owner', 'updatedAt'])
export class DriftLead {
  @PrimaryColumn({ name: 'lead_id', type: 'text', primaryKeyConstraintName: 'drift_lead_pkey' })
  leadId!: string;

  @Column({ type: 'int', default: 0 })
  touches!: number;

  @Column({ type: 'text', nullable: true })
  owner!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

export class DriftLeadMatching1732300000201 implements MigrationInterface {
  name = 'DriftLeadMatching1732300000201';
  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.drift_lead (
      lead_id text PRIMARY KEY,
      touches int NOT NULL DEFAULT 0,
      owner text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX drift_lead_owner ON ${s}.drift_lead (owner, updated_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.drift_lead`);
  }
}

/** Forgets `owner` and the index, and lets `touches` be null. */
export class DriftLeadDrifted1732300000201 implements MigrationInterface {
  name = 'DriftLeadDrifted1732300000201';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${schemaOf(q)}.drift_lead (
      lead_id text PRIMARY KEY,
      touches int DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.drift_lead`);
  }
}
