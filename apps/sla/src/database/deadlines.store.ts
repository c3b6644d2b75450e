import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeadlinesRow } from './deadlines.entity.js';

/** The lead.activity.v1 events sla handled: the one place that reads and writes them. */
@Injectable()
export class DeadlinesStore {
  constructor(private readonly db: DataSource) {}

  /** Inside the caller's transaction, beside its processed-event claim. */
  async record(manager: EntityManager, row: DeadlinesRow): Promise<void> {
    await manager.getRepository(DeadlinesRow).insert(row);
  }

  /** A lead's events, newest first. */
  byLead(leadId: string, limit: number): Promise<DeadlinesRow[]> {
    return this.db.getRepository(DeadlinesRow).find({
      where: { leadId },
      order: { occurredAt: 'DESC', eventId: 'ASC' },
      take: limit,
    });
  }
}
