import {
  BATON_SALESFORCE_FIELDS,
  SAMPLE_LEAD_STATUSES,
  startSalesforceSandbox,
  type SalesforceSandbox,
} from '@baton/crm-sandbox';
import {
  connectorEnv,
  startConnector,
  tearDown,
  type ConnectorOptions,
  type ConnectorTestEnv,
  type RunningConnector,
} from './harness.js';

/** A Salesforce org with the fields and Lead statuses Baton's sample mapping expects. */
export function startBatonOrg(): Promise<SalesforceSandbox> {
  return startSalesforceSandbox({
    customFields: BATON_SALESFORCE_FIELDS,
    leadStatuses: SAMPLE_LEAD_STATUSES,
  });
}

export function salesforceVars(
  org: SalesforceSandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CRM_PROVIDER: 'salesforce',
    SALESFORCE_INSTANCE_URL: org.instanceUrl,
    SALESFORCE_ACCESS_TOKEN: org.accessToken,
    SALESFORCE_API_VERSION: org.apiVersion,
    ...extra,
  };
}

/**
 * A Baton-shaped org and a connector on it. A failed start closes the org and drops the schema
 * itself: the suite never got hold of them.
 */
export async function startSalesforceConnector(
  name: string,
  extra: Record<string, string> = {},
  options?: ConnectorOptions,
): Promise<{ org: SalesforceSandbox; env: ConnectorTestEnv; running: RunningConnector }> {
  const org = await startBatonOrg();
  const env = connectorEnv(name, salesforceVars(org, extra));
  try {
    return { org, env, running: await startConnector(env, options) };
  } catch (err) {
    await tearDown(undefined, org, env);
    throw err;
  }
}
