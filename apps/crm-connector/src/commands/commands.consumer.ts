import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '@baton/domain';
import { OnEvent, type BatchItem } from '@baton/platform';
import { CrmSetupGate } from '../provision/setup-gate.js';
import { CommandExecutor } from './command-executor.js';

/** crm.command.v1 from scoring, routing, sla and the connector itself, in batches (group CRM_CONNECTOR_CONSUMER_GROUP). */
@Controller()
export class CrmCommandsConsumer {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly setup: CrmSetupGate,
  ) {}

  @OnEvent(Topics.CrmCommand, { batch: true })
  async commands(@Payload() items: BatchItem<typeof Topics.CrmCommand>[]): Promise<void> {
    // Until the CRM holds what Baton writes, it would reject every handoff for good (dead letters):
    // the batch waits, uncommitted, for the set-up.
    await this.setup.ready();
    await this.executor.handleBatch(items.map((i) => i.event));
  }
}
