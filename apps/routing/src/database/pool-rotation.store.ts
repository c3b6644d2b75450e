import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RotationState } from '../rotation/weighted-rotation.js';
import { PoolRotationRow } from './pool-rotation.entity.js';

/** The pools' rotation state (pool_rotation), shared by every replica and locked per decision. */
@Injectable()
export class PoolRotationStore {
  constructor(private readonly db: DataSource) {}

  /** Every pool gets its rotation row (existing ones are kept). */
  async seed(em: EntityManager, poolIds: string[]): Promise<void> {
    await em.query(`INSERT INTO pool_rotation (pool_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [
      poolIds,
    ]);
  }

  /** The credits of the pools, locked in pool-id order (the first lock of every decision). */
  async lock(em: EntityManager, poolIds: string[]): Promise<Map<string, RotationState>> {
    const rows: { pool_id: string; credits: RotationState }[] = await em.query(
      `SELECT pool_id, credits FROM pool_rotation WHERE pool_id = ANY($1::text[]) ORDER BY pool_id FOR UPDATE`,
      [[...poolIds].sort()],
    );
    return new Map(rows.map((r) => [r.pool_id, r.credits]));
  }

  /** New credits of the pools a batch moved; each counts one more decision round. */
  async save(
    em: EntityManager,
    pools: { poolId: string; credits: RotationState }[],
    at: Date,
  ): Promise<void> {
    if (pools.length === 0) return;
    await em.query(
      `UPDATE pool_rotation p SET credits = x.credits, decisions = p.decisions + 1, updated_at = $2
       FROM jsonb_to_recordset($1::jsonb) AS x(pool_id text, credits jsonb) WHERE p.pool_id = x.pool_id`,
      [JSON.stringify(pools.map((p) => ({ pool_id: p.poolId, credits: p.credits }))), at],
    );
  }

  all(): Promise<PoolRotationRow[]> {
    return this.db.getRepository(PoolRotationRow).find({ order: { poolId: 'ASC' } });
  }
}
