import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Transaction advisory locks that let one replica at a time work an intake queue. */
@Injectable()
export class RoundLockStore {
  /**
   * Takes the round's lock for the caller's transaction, so one replica at a time works a queue
   * (which keeps per-lead order); false when another holds it.
   */
  async tryTake(em: EntityManager, queue: string): Promise<boolean> {
    const [{ ok }]: { ok: boolean }[] = await em.query(
      `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok`,
      [queue],
    );
    return ok;
  }
}
