import { PermanentError } from '@baton/kafka';
import type { CloudEvent, CrmCommand } from '@baton/domain';
import { JsonLogger, counter } from '@baton/observability';
import type { ServiceRuntime } from '@baton/platform';
import { recordWrites, type OwnWrite } from '../store/write-log.js';
import type { CrmWriter } from './crm-writer.js';

const executed = counter('baton_crm_commands_total', 'CRM commands by outcome', [
  'provider',
  'action',
  'outcome',
]);

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
    const failures: unknown[] = [];
    const planned: { cmd: CrmCommand; writes: OwnWrite[] }[] = [];
    for (const e of events) {
      const cmd = e.data;
      if (skip.has(cmd.commandId)) {
        executed.inc({ provider: this.writer.provider, action: cmd.action, outcome: 'duplicate' });
        continue;
      }
      skip.add(cmd.commandId); // the same command twice in one batch runs once
      try {
        planned.push({ cmd, writes: this.plan(cmd) });
      } catch (err) {
        failures.push(err);
      }
    }
    // Logged before any call goes out, so no echo can arrive ahead of its log entry.
    const writes = planned.flatMap((p) => p.writes.map((w) => ({ ...w, commandId: p.cmd.commandId })));
    if (writes.length) await this.runtime.transaction((em) => recordWrites(em, this.writer.provider, writes));
    const byLead = new Map<string, CrmCommand[]>();
    for (const { cmd } of planned) {
      const list = byLead.get(cmd.leadId) ?? [];
      list.push(cmd);
      byLead.set(cmd.leadId, list);
    }
    const queues = [...byLead.values()];
    const succeeded: { cmd: CrmCommand; calls: number }[] = [];
    const worker = async () => {
      for (;;) {
        const queue = queues.shift();
        if (!queue) return;
        for (const cmd of queue) {
          try {
            succeeded.push({ cmd, calls: await this.call(cmd) });
          } catch (err) {
            failures.push(err);
            break; // later commands of this lead wait for the failed one
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_LEADS, queues.length) }, worker));
    await this.markExecuted(succeeded);
    if (failures.length) {
      // Retryable failures first: the consumer retries the batch (done commands are skipped), then isolates.
      throw failures.find((f) => !(f instanceof PermanentError)) ?? failures[0];
    }
  }

  private plan(cmd: CrmCommand): OwnWrite[] {
    if (cmd.crm.provider !== this.writer.provider) {
      executed.inc({ provider: this.writer.provider, action: cmd.action, outcome: 'wrong_provider' });
      throw new PermanentError(
        `command ${cmd.commandId} is for ${cmd.crm.provider}, this connector talks to ${this.writer.provider}`,
      );
    }
    return this.writer.plan(cmd);
  }

  private async call(cmd: CrmCommand): Promise<number> {
    try {
      const calls = await this.writer.execute(cmd);
      executed.inc({ provider: this.writer.provider, action: cmd.action, outcome: 'executed' });
      return calls;
    } catch (err) {
      executed.inc({
        provider: this.writer.provider,
        action: cmd.action,
        outcome: err instanceof PermanentError ? 'rejected' : 'failed',
      });
      this.log.warn('command failed', {
        commandId: cmd.commandId,
        action: cmd.action,
        leadId: cmd.leadId,
        error: err as Error,
      });
      throw err;
    }
  }

  private async markExecuted(done: { cmd: CrmCommand; calls: number }[]): Promise<void> {
    if (done.length === 0) return;
    await this.runtime.db.query(
      `INSERT INTO executed_command (command_id, action, lead_id, api_calls)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) ON CONFLICT DO NOTHING`,
      [
        done.map((d) => d.cmd.commandId),
        done.map((d) => d.cmd.action),
        done.map((d) => d.cmd.leadId),
        done.map((d) => d.calls),
      ],
    );
  }
}
