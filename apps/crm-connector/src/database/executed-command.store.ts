import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { ExecutedCommandRow } from './executed-command.entity.js';

/** Commands the CRM accepted (executed_command): the dedupe of crm.command.v1. Pruned by housekeeping. */
@Injectable()
export class ExecutedCommandStore {
  constructor(private readonly db: DataSource) {}

  /** Which of these command ids were already carried out. */
  async executedAmong(commandIds: string[]): Promise<Set<string>> {
    if (commandIds.length === 0) return new Set();
    const rows = await this.db.getRepository(ExecutedCommandRow).find({
      select: { commandId: true },
      where: { commandId: In(commandIds) },
    });
    return new Set(rows.map((r) => r.commandId));
  }

  /** One statement for the batch; a command recorded already stays as it was. */
  async markExecuted(
    done: { commandId: string; action: string; leadId: string; apiCalls: number }[],
  ): Promise<void> {
    if (done.length === 0) return;
    await this.db.query(
      `INSERT INTO executed_command (command_id, action, lead_id, api_calls)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) ON CONFLICT DO NOTHING`,
      [
        done.map((d) => d.commandId),
        done.map((d) => d.action),
        done.map((d) => d.leadId),
        done.map((d) => d.apiCalls),
      ],
    );
  }
}
