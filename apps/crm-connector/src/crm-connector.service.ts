import { fileURLToPath } from 'node:url';
import { defineService } from '@baton/platform';
import { ConnectorEnvSchema } from './config/env.js';
import { CrmConnectorModule } from './crm-connector.module.js';
import { HubSpotActivityDueRow, HubSpotEngagementDueRow } from './database/due-contact.entity.js';
import { ExecutedCommandRow } from './database/executed-command.entity.js';
import { HubSpotInboxRejectedRow } from './database/hubspot-inbox-rejected.entity.js';
import { HubSpotInboxRow } from './database/hubspot-inbox.entity.js';
import { LeadSnapshotRow } from './database/lead-snapshot.entity.js';
import { HubSpotLoggedActivityRow } from './database/logged-activity.entity.js';
import {
  ConnectorTables1763900000000,
  HubSpotEngagementDue1763900000001,
  HubSpotLoggedActivities1763900000002,
} from './database/migrations/connector-tables.migration.js';
import { DueContactAttempts1796169600003 } from './database/migrations/due-contact-attempts.migration.js';
import { HubSpotInboxRejected1796169600002 } from './database/migrations/inbox-rejected.migration.js';
import { ConnectorRetentionIndexes1796169600001 } from './database/migrations/retention-indexes.migration.js';
import { StreamCursorRow } from './database/stream-cursor.entity.js';
import { WriteLogRow } from './database/write-log.entity.js';
import { loadConnectorPolicy } from './policy/policy.js';

/**
 * The crm-connector service: the one part of Baton that speaks to a CRM (CRM_PROVIDER). It turns
 * HubSpot webhooks or Salesforce CDC into lead.profile, lead.engagement, lead.activity and
 * lead.disqualified through its outbox, and carries out crm.command.v1 (group baton-crm-connector).
 */
export const crmConnectorService = defineService({
  name: 'crm-connector',
  env: ConnectorEnvSchema,
  policy: {
    bundledDir: fileURLToPath(new URL('../config/policy', import.meta.url)),
    // The mapping of the configured CRM and the signal rules.
    load: (dir, env) => loadConnectorPolicy(dir, env.CRM_PROVIDER),
  },
  migrations: [
    ConnectorTables1763900000000,
    HubSpotEngagementDue1763900000001,
    HubSpotLoggedActivities1763900000002,
    ConnectorRetentionIndexes1796169600001,
    HubSpotInboxRejected1796169600002,
    DueContactAttempts1796169600003,
  ],
  entities: [
    HubSpotInboxRow,
    LeadSnapshotRow,
    WriteLogRow,
    ExecutedCommandRow,
    StreamCursorRow,
    HubSpotEngagementDueRow,
    HubSpotActivityDueRow,
    HubSpotLoggedActivityRow,
    HubSpotInboxRejectedRow,
  ],
  // HubSpotModule or SalesforceModule, as CRM_PROVIDER says.
  module: CrmConnectorModule,
  consumer: {
    // Commands per batch; a lead's commands run in order, 16 leads side by side.
    batch: 200,
    // The partitions a replica may hold with KAFKA_TOPIC_PARTITIONS at its default (6).
    concurrency: 6,
    // A CRM call retries 429 and 5xx itself; the consumer retries the batch three times.
    retryAttempts: 3,
    retryInitialDelayMs: 1_000,
    retryMaxDelayMs: 10_000,
  },
  // A webhook round makes up to one profile per event.
  relayBatchSize: 2000,
  // The dedupe of commands and the echo log. Not hubspot_logged_activity: the activity reader lists
  // a contact's whole engagement history and emits what that table does not hold. hubspot_inbox
  // prunes its processed rows itself (after 4 days, beyond HubSpot's 3 days of retries).
  retainedTables: [
    { table: 'executed_command', timeColumn: 'executed_at' },
    { table: 'write_log', timeColumn: 'written_at' },
    // Webhook events set aside (refused at the edge or failing every round), for inspection.
    { table: 'hubspot_inbox_rejected', timeColumn: 'received_at' },
  ],
  // The webhook controller reads the raw body itself: the signature covers the exact bytes.
  http: { bodyParser: false },
});
