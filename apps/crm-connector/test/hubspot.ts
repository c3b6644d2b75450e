import { startHubSpotSandbox, type HubSpotSandbox, type HubSpotSandboxOptions } from '@baton/crm-sandbox';
import { query } from '@baton/testing';
import type { ConnectorEnv } from '../src/config/env.js';
import type { ConnectorOptions } from '../src/connector.js';
import type { HubSpotMapping } from '../src/policy/policy.js';
import { provisionHubSpot } from '../src/provision/provision.js';
import { connectorEnv, startConnector, tearDown, type RunningConnector } from './harness.js';

/** Connector variables for a HubSpot portal fake (the fake takes any bearer token). */
export function hubspotVars(
  hubspot: HubSpotSandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CRM_PROVIDER: 'hubspot',
    HUBSPOT_ACCESS_TOKEN: 'pat-test',
    HUBSPOT_API_BASE_URL: hubspot.baseUrl,
    ...extra,
  };
}

/** Creates Baton's contact properties in the portal, as the provision command does at install. */
export async function provisionBatonProperties(running: RunningConnector): Promise<void> {
  await provisionHubSpot(
    running.connector.hubspot!.api,
    running.connector.policy.mapping.policy as HubSpotMapping,
  );
}

export interface HubSpotSetup {
  sandbox?: HubSpotSandboxOptions;
  /** Connector variables on top of hubspotVars (client secret, app id, limits). */
  vars?: Record<string, string>;
  options?: ConnectorOptions;
}

/**
 * A HubSpot portal fake and a connector on it with Baton's properties provisioned. A failed
 * start closes the fake and drops the schema itself: the suite never got hold of them.
 */
export async function startHubSpotConnector(
  name: string,
  setup: HubSpotSetup = {},
): Promise<{ hubspot: HubSpotSandbox; running: RunningConnector }> {
  const hubspot = await startHubSpotSandbox(setup.sandbox);
  const env = connectorEnv(name, hubspotVars(hubspot, setup.vars));
  let running: RunningConnector | undefined;
  try {
    running = await startConnector(env, setup.options);
    await provisionBatonProperties(running);
    return { hubspot, running };
  } catch (err) {
    await tearDown(running, hubspot, env);
    throw err;
  }
}

/** Webhook deliveries stored but not yet turned into domain events. */
export async function pendingInboxEvents(env: ConnectorEnv): Promise<number> {
  const [{ n }] = await query<{ n: string }>(
    `SELECT count(*) AS n FROM ${env.DATABASE_SCHEMA}.hubspot_inbox WHERE processed_at IS NULL`,
  );
  return Number(n);
}
