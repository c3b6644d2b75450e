import { PermanentError } from '@baton/kafka';
import type { CloudEvent, CrmCommand } from '@baton/domain';
import { JsonLogger, counter } from '@baton/observability';
import type { ServiceRuntime } from '@baton/platform';
import { recordWrites } from '../store/write-log.js';
import type { CrmWriter } from './crm-writer.js';

const executed = counter('baton_crm_commands_total', 'CRM commands by outcome', ['provider', 'action', 'outcome']);

/** How many leads' commands run at once; each lead's commands stay in order. */
const PARALLEL_LEADS = 16;

/**
 * Carries out crm.command.v1 exactly once in effect: a command id already executed is skipped,
 * the write log is filled before the call (echo suppression), and the command is marked done
 * after the CRM accepted it. Commands of one lead run in order; different leads in parallel,
 * all under the provider's one rate budget.
 */
export class CommandExecutor {
  private readonly log = new JsonLogger('commands');

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly writer: CrmWriter,
  ) {}

  async handleBatch(events: CloudEvent<CrmCommand>[]): Promise<void> {
    const ids = events.map((e) => e.data.commandId);
    const done: { command_id: string }[] = await this.runtime.db.query(
      `SELECT command_id FROM executed_command WHERE command_id = ANY($1::text[])`,
      [ids],
    );
    const skip = new Set(done.map((d) => d.command_id));
    const byLead = new Map<string, CrmCommand[]>();
    for (const e of events) {
      const cmd = e.data;
      if (skip.has(cmd.commandId)) {
        executed.inc({ provider: this.writer.provider, action: cmd.action, outcome: 'duplicate' });
        continue;
      }
      skip.add(cmd.commandId); // the same command twice in one batch runs once
      const list = byLead.get(cmd.leadId) ?? [];
      list.push(cmd);
      byLead.set(cmd.leadId, list);
    }
    const queues = [...byLead.values()];
    const failures: unknown[] = [];
    const worker = async () => {
      for (;;) {
        const queue = queues.shift();
        if (!queue) return;
        for (const cmd of queue) {
          try {
            await this.execute(cmd);
          } catch (err) {
            failures.push(err);
            break; // later commands of this lead wait for the failed one
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_LEADS, queues.length) }, worker));
    if (failures.length) {
      // Retryable failures first: the consumer retries the batch (done commands are skipped), then isolates.
      throw failures.find((f) => !(f instanceof PermanentError)) ?? failures[0];
    }
  }

  async execute(cmd: CrmCommand): Promise<void> {
    if (cmd.crm.provider !== this.writer.provider) {
      executed.inc({ provider: this.writer.provider, action: cmd.action, outcome: 'wrong_provider' });
      throw new PermanentError(`command ${cmd.commandId} is for ${cmd.crm.provider}, this connector talks to ${this.writer.provider}`);
    }
    const writes = this.writer.plan(cmd);
    if (writes.length) await this.runtime.transaction((em) => recordWrites(em, this.writer.provider, cmd.commandId, writes));
    let calls: number;
    try {
      calls = await this.writer.execute(cmd);
    } catch (err) {
      executed.inc({ provider: this.writer.provider, action: cmd.action, outcome: err instanceof PermanentError ? 'rejected' : 'failed' });
      this.log.warn('command failed', { commandId: cmd.commandId, action: cmd.action, leadId: cmd.leadId, error: err as Error });
      throw err;
    }
    await this.runtime.db.query(
      `INSERT INTO executed_command (command_id, action, lead_id, api_calls) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [cmd.commandId, cmd.action, cmd.leadId, calls],
    );
    executed.inc({ provider: this.writer.provider, action: cmd.action, outcome: 'executed' });
  }
}
