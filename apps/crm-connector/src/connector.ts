import { fileURLToPath } from 'node:url';
import { Topics, type CrmProvider, type TopicName } from '@baton/domain';
import { JsonLogger } from '@baton/observability';
import type { ServiceRuntime } from '@baton/platform';
import { systemClock, type Clock } from './api-budget/clock.js';
import { SlidingWindowLimiter } from './api-budget/rate-limiter.js';
import { CommandExecutor } from './commands/command-executor.js';
import type { CrmWriter } from './commands/crm-writer.js';
import { HubSpotWriter } from './commands/hubspot-writer.js';
import { SalesforceWriter } from './commands/salesforce-writer.js';
import type { ConnectorEnv } from './config/env.js';
import { HubSpotApi } from './hubspot/hubspot-api.js';
import { HubSpotActivityReader } from './hubspot/activity-reader.js';
import { HubSpotEngagementReader } from './hubspot/engagement-reader.js';
import { HubSpotInboxWorker } from './hubspot/inbox-worker.js';
import type { HubSpotWebhookSettings } from './hubspot/webhook.controller.js';
import type { ConnectorPolicy, HubSpotMapping, SalesforceMapping } from './policy/policy.js';
import { SalesforceChangeStream } from './salesforce/change-stream.js';
import { SalesforceLeadPoller } from './salesforce/lead-poller.js';
import { SalesforceApi } from './salesforce/salesforce-api.js';
import type { SalesforceIngestDeps } from './salesforce/salesforce-ingest.js';

export const CONNECTOR_SERVICE = 'crm-connector';

/** The sample policy shipped with the connector, used when BATON_POLICY_DIR is not set. */
export const CONNECTOR_POLICY_DIR = fileURLToPath(new URL('../config/policy', import.meta.url));

/** Topics the connector produces and consumes (created with their DLQs at start-up). */
export const CONNECTOR_TOPICS: readonly TopicName[] = [
  Topics.LeadProfile,
  Topics.LeadEngagement,
  Topics.LeadActivity,
  Topics.LeadDisqualified,
  Topics.CrmCommand,
];

/** Outbox rows the relay publishes per round: a webhook round makes up to one profile per event. */
export const CONNECTOR_RELAY_BATCH = 2000;

/** The rate limit window of HubSpot's budget (the budget itself is HUBSPOT_RATE_LIMIT). */
export const HUBSPOT_RATE_WINDOW_MS = 10_000;

export interface ConnectorOptions {
  clock?: Clock;
  /** Overrides for tests and the benchmark: a shorter window to exercise the limiter quickly. */
  hubspotRateWindowMs?: number;
  /** Consumer retry policy for commands (tests lower the delays). */
  commandRetry?: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  crmRetry?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  startCommandConsumer?: boolean;
  /** Shorter session timeouts let tests rebalance quickly. */
  consumerSessionTimeoutMs?: number;
}

/** Everything the connector runs for the configured provider. */
export class Connector {
  private readonly log = new JsonLogger('connector');
  readonly provider: CrmProvider;
  readonly limiter: SlidingWindowLimiter;
  readonly writer: CrmWriter;
  readonly executor: CommandExecutor;
  readonly hubspot?: {
    api: HubSpotApi;
    worker: HubSpotInboxWorker;
    engagements: HubSpotEngagementReader;
    activities: HubSpotActivityReader;
    webhook: HubSpotWebhookSettings;
  };
  readonly salesforce?: {
    api: SalesforceApi;
    stream?: SalesforceChangeStream;
    poller?: SalesforceLeadPoller;
  };
  private started = false;

  constructor(
    readonly runtime: ServiceRuntime,
    readonly env: ConnectorEnv,
    readonly policy: ConnectorPolicy,
    private readonly options: ConnectorOptions = {},
  ) {
    const clock = options.clock ?? systemClock;
    this.provider = env.CRM_PROVIDER;
    const mapping = policy.mapping.policy;
    const signals = policy.signals.policy;
    if (env.CRM_PROVIDER === 'hubspot') {
      if (mapping.provider !== 'hubspot') throw new Error('mapping is not a HubSpot mapping');
      this.limiter = new SlidingWindowLimiter(
        'hubspot',
        {
          max: env.HUBSPOT_RATE_LIMIT,
          intervalMs: options.hubspotRateWindowMs ?? HUBSPOT_RATE_WINDOW_MS,
          dailyMax: env.HUBSPOT_DAILY_LIMIT,
        },
        clock,
      );
      const api = new HubSpotApi({
        accessToken: env.HUBSPOT_ACCESS_TOKEN!,
        basePath: env.HUBSPOT_API_BASE_URL,
        limiter: this.limiter,
        retry: options.crmRetry,
      });
      const readerDeps = { runtime, api, mapping: mapping as HubSpotMapping, signals, clock };
      const engagements = new HubSpotEngagementReader(readerDeps);
      const activities = new HubSpotActivityReader(readerDeps);
      const worker = new HubSpotInboxWorker(
        runtime,
        api,
        mapping as HubSpotMapping,
        signals,
        {
          appId: env.HUBSPOT_APP_ID,
          echoWindowMs: env.ECHO_WINDOW_MS,
          batchSize: 2000,
          onEngagementsDue: () => {
            engagements.nudge();
            activities.nudge();
          },
        },
        clock,
      );
      this.hubspot = {
        api,
        worker,
        engagements,
        activities,
        webhook: {
          clientSecret: env.HUBSPOT_CLIENT_SECRET!,
          publicUrl: env.WEBHOOK_PUBLIC_URL,
          maxBodyBytes: env.WEBHOOK_MAX_BODY_BYTES,
          clock,
          worker,
        },
      };
      this.writer = new HubSpotWriter(api, mapping as HubSpotMapping);
    } else {
      if (mapping.provider !== 'salesforce') throw new Error('mapping is not a Salesforce mapping');
      // Salesforce has no short-window limit for REST, only the rolling 24 h allocation.
      this.limiter = new SlidingWindowLimiter(
        'salesforce',
        { max: 1_000_000, intervalMs: 1_000, dailyMax: env.SALESFORCE_DAILY_LIMIT },
        clock,
      );
      const api = new SalesforceApi({
        instanceUrl: env.SALESFORCE_INSTANCE_URL!,
        accessToken: env.SALESFORCE_ACCESS_TOKEN!,
        version: env.SALESFORCE_API_VERSION,
        clientId: env.SALESFORCE_CLIENT_ID,
        limiter: this.limiter,
        retry: options.crmRetry,
      });
      const deps: SalesforceIngestDeps = {
        runtime,
        api,
        mapping: mapping as SalesforceMapping,
        signals,
        instanceUrl: env.SALESFORCE_INSTANCE_URL!,
        echoWindowMs: env.ECHO_WINDOW_MS,
        now: () => new Date(clock.now()),
      };
      this.salesforce =
        env.SALESFORCE_CDC === 'on'
          ? { api, stream: new SalesforceChangeStream(deps, clock) }
          : { api, poller: new SalesforceLeadPoller(deps, clock, env.SALESFORCE_POLL_INTERVAL_MS) };
      this.writer = new SalesforceWriter(api, mapping as SalesforceMapping);
    }
    this.executor = new CommandExecutor(runtime, this.writer);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.hubspot?.worker.start();
    this.hubspot?.engagements.start();
    this.hubspot?.activities.start();
    await this.salesforce?.stream?.start();
    this.salesforce?.poller?.start();
    if (this.options.startCommandConsumer !== false) {
      const consumer = this.runtime.consumer({
        groupId: this.env.CRM_CONNECTOR_CONSUMER_GROUP,
        ...(this.options.consumerSessionTimeoutMs
          ? { sessionTimeoutMs: this.options.consumerSessionTimeoutMs, heartbeatIntervalMs: 500 }
          : {}),
        partitionsConsumedConcurrently: this.env.KAFKA_TOPIC_PARTITIONS,
        maxBatchSize: 200,
        retry: this.options.commandRetry ?? { attempts: 3, initialDelayMs: 1_000, maxDelayMs: 10_000 },
      });
      consumer.onBatch(Topics.CrmCommand, (items) => this.executor.handleBatch(items.map((i) => i.event)));
      await consumer.start();
    }
    this.log.info('connector started', { provider: this.provider });
  }

  /** Stops intake first; the runtime then stops consumers and drains the outbox. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.hubspot?.worker.stop();
    await this.hubspot?.engagements.stop();
    await this.hubspot?.activities.stop();
    await this.salesforce?.stream?.stop();
    await this.salesforce?.poller?.stop();
    this.limiter.close();
  }
}
