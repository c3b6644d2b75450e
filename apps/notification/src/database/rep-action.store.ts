import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { RepActionRow } from './entities.js';

/** The reps' actions from alerts: the one place that reads and writes them. */
@Injectable()
export class RepActionStore {
  constructor(private readonly db: DataSource) {}

  /** In the caller's transaction; false when this action was recorded already (a double click, a resent request). */
  async record(manager: EntityManager, row: RepActionRow): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(RepActionRow)
      .values(row)
      .orIgnore()
      .returning(['actionId'])
      .execute();
    return (result.raw as unknown[]).length === 1;
  }

  /** The actions on some assignments, oldest first (what an alert shows as "who did what"). */
  byAssignments(assignmentIds: string[], manager: EntityManager = this.db.manager): Promise<RepActionRow[]> {
    if (assignmentIds.length === 0) return Promise.resolve([]);
    return manager
      .getRepository(RepActionRow)
      .find({ where: { assignmentId: In(assignmentIds) }, order: { actedAt: 'ASC' } });
  }
}
