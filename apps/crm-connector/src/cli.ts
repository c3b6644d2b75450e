import { loadEnv, policyDirOf, runCommand } from '@baton/platform';
import { ProvisionEnvSchema } from './config/env.js';
import { DEFAULT_TUNING } from './config/tuning.js';
import { crmConnectorService } from './crm-connector.service.js';
import { hubspotApiOf, hubspotLimiter } from './hubspot/hubspot-api.js';
import { loadConnectorPolicy, mappingOf } from './policy/policy.js';
import { checkSalesforce, provisionHubSpot, type ProvisionReport } from './provision/provision.js';
import { salesforceApiOf, salesforceLimiter } from './salesforce/salesforce-api.js';

const USAGE = 'usage: cli.ts validate [policy-dir] | provision';

/** The policy directory: the one given, BATON_POLICY_DIR, or the sample bundled with the service. */
function policyDir(given: string | undefined): string {
  return given ?? policyDirOf(crmConnectorService, { BATON_POLICY_DIR: process.env.BATON_POLICY_DIR })!;
}

/** Creates (HubSpot) or checks (Salesforce) the fields Baton writes, for CRM_PROVIDER. */
async function provision(): Promise<ProvisionReport> {
  const env = loadEnv(ProvisionEnvSchema);
  const policy = loadConnectorPolicy(policyDir(undefined), env.CRM_PROVIDER);
  if (env.CRM_PROVIDER === 'hubspot') {
    const limiter = hubspotLimiter(env, DEFAULT_TUNING.hubspotRateWindowMs);
    try {
      return await provisionHubSpot(hubspotApiOf(env, limiter), mappingOf(policy, 'hubspot'));
    } finally {
      limiter.close();
    }
  }
  const limiter = salesforceLimiter(env);
  try {
    return await checkSalesforce(salesforceApiOf(env, limiter), mappingOf(policy, 'salesforce'));
  } finally {
    limiter.close();
  }
}

/**
 * `validate [dir]`: checks both providers' mappings and the signal rules (for CI).
 * `provision`: creates (HubSpot) or checks (Salesforce) the fields Baton writes; exit 2 while
 * something is missing that a person must add.
 */
async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  switch (command) {
    case 'validate': {
      const dir = policyDir(arg);
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
      const report = await provision();
      console.log(JSON.stringify(report, null, 2));
      return report.missing.length ? 2 : 0;
    }
    default:
      console.error(USAGE);
      return 64;
  }
}

// A configuration or policy error exits 78, usage 64, a CRM still missing fields 2.
await runCommand('crm-connector.cli', () => main(process.argv.slice(2)));
