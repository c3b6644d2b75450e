import { Module, type DynamicModule } from '@nestjs/common';
import { CommandExecutor } from './commands/command-executor.js';
import { CrmCommandsConsumer } from './commands/commands.consumer.js';
import type { ConnectorEnv } from './config/env.js';
import { HubSpotModule } from './hubspot/hubspot.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { CrmSetupGate } from './provision/setup-gate.js';
import { SalesforceModule } from './salesforce/salesforce.module.js';

/**
 * The connector's features: the CRM chosen by CRM_PROVIDER (HubSpotModule or SalesforceModule:
 * its client, writer and intake), the crm.command.v1 consumer, and the set-up gate in front of it.
 */
@Module({})
export class CrmConnectorModule {
  static forEnv(env: ConnectorEnv): DynamicModule {
    return {
      module: CrmConnectorModule,
      imports: [IngestModule, env.CRM_PROVIDER === 'hubspot' ? HubSpotModule : SalesforceModule.forEnv(env)],
      controllers: [CrmCommandsConsumer],
      providers: [CommandExecutor, CrmSetupGate],
    };
  }
}
