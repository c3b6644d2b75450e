import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { CurrentAssignmentRow, LeadTouchRow, SlaDeadlineRow, SlackUserRow } from './entities.js';

/**
 * What notification knows about a lead beside its deliveries: its current assignment, its last
 * touch by a person, the SLA deadlines of its assignments; and the Slack ids looked up by e-mail.
 */
@Injectable()
export class LeadStateStore {
  constructor(private readonly db: DataSource) {}

  /** Keeps the latest assignment of each lead (a redelivered older one does not win). */
  async assigned(manager: EntityManager, rows: CurrentAssignmentRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO current_assignment (lead_id, assignment_id, assigned_at)
       SELECT lead_id, assignment_id, assigned_at
         FROM json_to_recordset($1::json) AS t(lead_id text, assignment_id text, assigned_at timestamptz)
       ON CONFLICT (lead_id) DO UPDATE SET assignment_id = EXCLUDED.assignment_id, assigned_at = EXCLUDED.assigned_at
         WHERE current_assignment.assigned_at < EXCLUDED.assigned_at`,
      [
        JSON.stringify(
          // One row per lead: the latest of the batch.
          [
            ...new Map(
              [...rows]
                .sort((a, b) => a.assignedAt.getTime() - b.assignedAt.getTime())
                .map((r) => [
                  r.leadId,
                  { lead_id: r.leadId, assignment_id: r.assignmentId, assigned_at: r.assignedAt },
                ]),
            ).values(),
          ],
        ),
      ],
    );
  }

  currentAssignment(
    leadId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<CurrentAssignmentRow | null> {
    return manager.getRepository(CurrentAssignmentRow).findOneBy({ leadId });
  }

  async touched(manager: EntityManager, row: LeadTouchRow): Promise<void> {
    await manager.query(
      `INSERT INTO lead_touch (lead_id, kind, occurred_at) VALUES ($1, $2, $3)
       ON CONFLICT (lead_id) DO UPDATE SET kind = EXCLUDED.kind, occurred_at = EXCLUDED.occurred_at
         WHERE lead_touch.occurred_at < EXCLUDED.occurred_at`,
      [row.leadId, row.kind, row.occurredAt],
    );
  }

  lastTouch(leadId: string, manager: EntityManager = this.db.manager): Promise<LeadTouchRow | null> {
    return manager.getRepository(LeadTouchRow).findOneBy({ leadId });
  }

  async armed(manager: EntityManager, row: SlaDeadlineRow): Promise<void> {
    await manager.query(
      `INSERT INTO sla_deadline (assignment_id, lead_id, first_touch_due, timers, armed_at)
       VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (assignment_id) DO UPDATE SET first_touch_due = EXCLUDED.first_touch_due,
         timers = EXCLUDED.timers, armed_at = EXCLUDED.armed_at
         WHERE sla_deadline.armed_at <= EXCLUDED.armed_at`,
      [row.assignmentId, row.leadId, row.firstTouchDue, JSON.stringify(row.timers), row.armedAt],
    );
  }

  deadlines(assignmentIds: string[]): Promise<SlaDeadlineRow[]> {
    if (assignmentIds.length === 0) return Promise.resolve([]);
    return this.db.getRepository(SlaDeadlineRow).findBy({ assignmentId: In(assignmentIds) });
  }

  slackUser(email: string): Promise<SlackUserRow | null> {
    return this.db.getRepository(SlackUserRow).findOneBy({ email: email.toLowerCase() });
  }

  async rememberSlackUser(email: string, userId: string, at: Date): Promise<void> {
    await this.db
      .getRepository(SlackUserRow)
      .upsert({ email: email.toLowerCase(), userId, lookedUpAt: at }, ['email']);
  }
}
