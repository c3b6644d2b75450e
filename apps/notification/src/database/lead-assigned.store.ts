import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { LeadAssignedRow } from './lead-assigned.entity.js';

/** The lead.assigned.v1 events notification handled: the one place that reads and writes them. */
@Injectable()
export class LeadAssignedStore {
  constructor(private readonly db: DataSource) {}

  /** Inside the caller's transaction, beside its processed-event claim. */
  async record(manager: EntityManager, row: LeadAssignedRow): Promise<void> {
    await manager.getRepository(LeadAssignedRow).insert(row);
  }

  /** A lead's events, newest first. */
  byLead(leadId: string, limit: number): Promise<LeadAssignedRow[]> {
    return this.db.getRepository(LeadAssignedRow).find({
      where: { leadId },
      order: { occurredAt: 'DESC', eventId: 'ASC' },
      take: limit,
    });
  }
}
