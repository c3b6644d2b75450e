import { startHubSpotSandbox, type HubSpotSandbox, type HubSpotSandboxOptions } from '@baton/crm-sandbox';
import { query } from '@baton/testing';
import {
  connectorEnv,
  startConnector,
  tearDown,
  type ConnectorOptions,
  type RunningConnector,
} from './harness.js';

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

export interface HubSpotSetup {
  sandbox?: HubSpotSandboxOptions;
  /** Connector variables on top of hubspotVars (client secret, app id, limits). */
  vars?: Record<string, string>;
  options?: ConnectorOptions;
}

/**
 * A HubSpot portal fake and a connector on it that creates Baton's properties at start
 * (CRM_PROVISION_ON_START=true), as an install does. A failed start closes the fake and drops the
 * schema itself: the suite never got hold of them.
 */
export async function startHubSpotConnector(
  name: string,
  setup: HubSpotSetup = {},
): Promise<{ hubspot: HubSpotSandbox; running: RunningConnector }> {
  const hubspot = await startHubSpotSandbox(setup.sandbox);
  const env = connectorEnv(name, hubspotVars(hubspot, { CRM_PROVISION_ON_START: 'true', ...setup.vars }));
  try {
    return { hubspot, running: await startConnector(env, setup.options) };
  } catch (err) {
    await tearDown(undefined, hubspot, env);
    throw err;
  }
}

/** Webhook deliveries stored but not yet turned into domain events. */
export async function pendingInboxEvents(env: { DATABASE_SCHEMA?: string }): Promise<number> {
  const [{ n }] = await query<{ n: string }>(
    `SELECT count(*) AS n FROM ${env.DATABASE_SCHEMA}.hubspot_inbox WHERE processed_at IS NULL`,
  );
  return Number(n);
}
