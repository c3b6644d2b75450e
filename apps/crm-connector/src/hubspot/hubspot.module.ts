import { Module } from '@nestjs/common';
import { SERVICE_ENV, SERVICE_POLICY } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import { SlidingWindowLimiter } from '../api-budget/rate-limiter.js';
import { HubSpotWriter } from '../commands/hubspot-writer.js';
import { CRM_WRITER } from '../commands/crm-writer.js';
import type { ConnectorEnv } from '../config/env.js';
import { CONNECTOR_TUNING, type ConnectorTuning } from '../config/tuning.js';
import { IngestModule } from '../ingest/ingest.module.js';
import { HUBSPOT_MAPPING, mappingOf, type ConnectorPolicy, type HubSpotMapping } from '../policy/policy.js';
import { CrmSetupCheck } from '../provision/setup-check.js';
import { HubSpotActivityReader } from './activity-reader.js';
import { DueReaderDeps } from './due-contacts.js';
import { HubSpotEngagementReader } from './engagement-reader.js';
import { HubSpotApi, hubspotApiOf, hubspotLimiter } from './hubspot-api.js';
import { HubSpotInboxWorker } from './inbox-worker.js';
import { HubSpotOwnerDirectory } from './owner-directory.js';
import { HubSpotWebhookController } from './webhook.controller.js';

/**
 * CRM_PROVIDER=hubspot: the API client under the process's one rate budget, the writer of
 * commands, the signed webhook intake (controller, inbox worker) and the readers of what the
 * webhooks do not carry (behavioural events, logged calls, e-mails and meetings).
 */
@Module({
  imports: [IngestModule],
  controllers: [HubSpotWebhookController],
  providers: [
    {
      provide: HUBSPOT_MAPPING,
      inject: [SERVICE_POLICY],
      useFactory: (policy: ConnectorPolicy) => mappingOf(policy, 'hubspot'),
    },
    {
      provide: SlidingWindowLimiter,
      inject: [SERVICE_ENV, CONNECTOR_TUNING, CONNECTOR_CLOCK],
      useFactory: (env: ConnectorEnv, tuning: ConnectorTuning, clock: Clock) =>
        hubspotLimiter(env, tuning.hubspotRateWindowMs, clock),
    },
    {
      provide: HubSpotApi,
      inject: [SERVICE_ENV, SlidingWindowLimiter, CONNECTOR_TUNING, CONNECTOR_CLOCK],
      useFactory: (env: ConnectorEnv, limiter: SlidingWindowLimiter, tuning: ConnectorTuning, clock: Clock) =>
        hubspotApiOf(env, limiter, { retry: tuning.crmRetry, clock }),
    },
    {
      provide: CrmSetupCheck,
      inject: [HubSpotApi, HUBSPOT_MAPPING],
      useFactory: (api: HubSpotApi, mapping: HubSpotMapping) =>
        new CrmSetupCheck({ provider: 'hubspot', api, mapping }),
    },
    HubSpotWriter,
    { provide: CRM_WRITER, useExisting: HubSpotWriter },
    HubSpotOwnerDirectory,
    DueReaderDeps,
    HubSpotEngagementReader,
    HubSpotActivityReader,
    HubSpotInboxWorker,
  ],
  exports: [CRM_WRITER, CrmSetupCheck, HubSpotApi, HUBSPOT_MAPPING],
})
export class HubSpotModule {}
