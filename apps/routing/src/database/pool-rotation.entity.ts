import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RotationState } from '../rotation/weighted-rotation.js';

/** The weighted rotation of one pool: one credit per rep, and how many decisions moved it. */
@Entity({ name: 'pool_rotation' })
export class PoolRotationRow {
  @PrimaryColumn({ name: 'pool_id', type: 'text' })
  poolId!: string;

  @Column({ type: 'jsonb', default: {} })
  credits!: RotationState;

  /** bigint: read as a string. */
  @Column({ type: 'bigint', default: 0 })
  decisions!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
