import { CONNECTOR_POLICY_DIR } from './connector.js';
import { PolicyError } from '@baton/platform';
import { ConfigError } from '@baton/platform';
import { JsonLogger } from '@baton/observability';
import { SlidingWindowLimiter } from './api-budget/rate-limiter.js';
import { loadConnectorEnv } from './config/env.js';
import { HubSpotApi } from './hubspot/hubspot-api.js';
import { loadConnectorPolicy, type HubSpotMapping, type SalesforceMapping } from './policy/policy.js';
import { checkSalesforce, provisionHubSpot, type ProvisionReport } from './provision/provision.js';
import { SalesforceApi } from './salesforce/salesforce-api.js';
import { HUBSPOT_RATE_WINDOW_MS } from './connector.js';

/**
 * `validate [dir]`: checks both providers' mappings and the signal rules (for CI).
 * `provision`: creates (HubSpot) or checks (Salesforce) the fields Baton writes, for CRM_PROVIDER.
 */
async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  switch (command) {
    case 'validate': {
      const dir = arg ?? process.env.BATON_POLICY_DIR ?? 'apps/crm-connector/config/policy';
      for (const provider of ['hubspot', 'salesforce'] as const) {
        const p = loadConnectorPolicy(dir, provider);
        console.log(`ok ${p.mapping.file} (version ${p.mapping.version})`);
      }
      const p = loadConnectorPolicy(dir, 'hubspot');
      console.log(
        `ok ${p.signals.file} (version ${p.signals.version}, ${p.signals.policy.signals.length} rules)`,
      );
      return 0;
    }
    case 'provision': {
      const env = loadConnectorEnv();
      const policy = loadConnectorPolicy(env.BATON_POLICY_DIR ?? CONNECTOR_POLICY_DIR, env.CRM_PROVIDER);
      let report: ProvisionReport;
      if (env.CRM_PROVIDER === 'hubspot') {
        const limiter = new SlidingWindowLimiter('hubspot', {
          max: env.HUBSPOT_RATE_LIMIT,
          intervalMs: HUBSPOT_RATE_WINDOW_MS,
          dailyMax: env.HUBSPOT_DAILY_LIMIT,
        });
        const api = new HubSpotApi({
          accessToken: env.HUBSPOT_ACCESS_TOKEN!,
          basePath: env.HUBSPOT_API_BASE_URL,
          limiter,
        });
        report = await provisionHubSpot(api, policy.mapping.policy as HubSpotMapping);
        limiter.close();
      } else {
        const limiter = new SlidingWindowLimiter('salesforce', {
          max: 1000,
          intervalMs: 1000,
          dailyMax: env.SALESFORCE_DAILY_LIMIT,
        });
        const api = new SalesforceApi({
          instanceUrl: env.SALESFORCE_INSTANCE_URL!,
          accessToken: env.SALESFORCE_ACCESS_TOKEN!,
          version: env.SALESFORCE_API_VERSION,
          clientId: env.SALESFORCE_CLIENT_ID,
          limiter,
        });
        report = await checkSalesforce(api, policy.mapping.policy as SalesforceMapping);
        limiter.close();
      }
      console.log(JSON.stringify(report, null, 2));
      return report.missing.length ? 2 : 0;
    }
    default:
      console.error('usage: cli.ts validate [policy-dir] | provision');
      return 64;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError || err instanceof PolicyError) {
    console.error(err.message);
    process.exitCode = 78;
  } else {
    new JsonLogger('crm-connector.cli').error('command failed', { error: err as Error });
    process.exitCode = 1;
  }
}
