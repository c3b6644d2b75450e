import { Inject, Injectable } from '@nestjs/common';
import { PermanentError } from '@baton/kafka';
import type { CloudEvent, CrmCommand } from '@baton/domain';
import { JsonLogger, counter } from '@baton/observability';
import { ExecutedCommandStore } from '../database/executed-command.store.js';
import { WriteLogStore, type OwnWrite } from '../database/write-log.store.js';
import { CRM_WRITER, type CrmWriter } from './crm-writer.js';

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
@Injectable()
export class CommandExecutor {
  private readonly log = new JsonLogger('commands');

  constructor(
    @Inject(CRM_WRITER) private readonly writer: CrmWriter,
    private readonly executed: ExecutedCommandStore,
    private readonly writeLog: WriteLogStore,
  ) {}

  async handleBatch(events: CloudEvent<CrmCommand>[]): Promise<void> {
    const skip = await this.executed.executedAmong(events.map((e) => e.data.commandId));
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
    await this.writeLog.record(this.writer.provider, writes);
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
    await this.executed.markExecuted(
      succeeded.map(({ cmd, calls }) => ({
        commandId: cmd.commandId,
        action: cmd.action,
        leadId: cmd.leadId,
        apiCalls: calls,
      })),
    );
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
}
