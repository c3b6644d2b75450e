import { Module, type DynamicModule } from '@nestjs/common';
import { SERVICE_ENV, SERVICE_POLICY } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import { SlidingWindowLimiter } from '../api-budget/rate-limiter.js';
import { CRM_WRITER } from '../commands/crm-writer.js';
import { SalesforceWriter } from '../commands/salesforce-writer.js';
import type { ConnectorEnv } from '../config/env.js';
import { CONNECTOR_TUNING, type ConnectorTuning } from '../config/tuning.js';
import { IngestModule } from '../ingest/ingest.module.js';
import {
  SALESFORCE_MAPPING,
  mappingOf,
  type ConnectorPolicy,
  type SalesforceMapping,
} from '../policy/policy.js';
import { CrmSetupCheck } from '../provision/setup-check.js';
import { SalesforceChangeStream } from './change-stream.js';
import { SalesforceLeadPoller } from './lead-poller.js';
import { SalesforceApi, salesforceApiOf, salesforceLimiter } from './salesforce-api.js';
import { SalesforceIngest } from './salesforce-ingest.js';

/**
 * CRM_PROVIDER=salesforce: the jsforce client under the org's daily allocation, the writer of
 * commands, and the intake: Change Data Capture (SALESFORCE_CDC=on) or polling (off).
 */
@Module({})
export class SalesforceModule {
  static forEnv(env: Pick<ConnectorEnv, 'SALESFORCE_CDC'>): DynamicModule {
    return {
      module: SalesforceModule,
      imports: [IngestModule],
      providers: [
        {
          provide: SALESFORCE_MAPPING,
          inject: [SERVICE_POLICY],
          useFactory: (policy: ConnectorPolicy) => mappingOf(policy, 'salesforce'),
        },
        {
          provide: SlidingWindowLimiter,
          inject: [SERVICE_ENV, CONNECTOR_CLOCK],
          useFactory: (settings: ConnectorEnv, clock: Clock) => salesforceLimiter(settings, clock),
        },
        {
          provide: SalesforceApi,
          inject: [SERVICE_ENV, SlidingWindowLimiter, CONNECTOR_TUNING, CONNECTOR_CLOCK],
          useFactory: (
            settings: ConnectorEnv,
            limiter: SlidingWindowLimiter,
            tuning: ConnectorTuning,
            clock: Clock,
          ) => salesforceApiOf(settings, limiter, { retry: tuning.crmRetry, clock }),
        },
        {
          provide: CrmSetupCheck,
          inject: [SalesforceApi, SALESFORCE_MAPPING],
          useFactory: (api: SalesforceApi, mapping: SalesforceMapping) =>
            new CrmSetupCheck({ provider: 'salesforce', api, mapping }),
        },
        SalesforceWriter,
        { provide: CRM_WRITER, useExisting: SalesforceWriter },
        SalesforceIngest,
        env.SALESFORCE_CDC === 'on' ? SalesforceChangeStream : SalesforceLeadPoller,
      ],
      exports: [CRM_WRITER, CrmSetupCheck, SalesforceApi, SALESFORCE_MAPPING],
    };
  }
}
