import { startStandaloneSandboxes } from './standalone.js';

/*
 * Local HubSpot + Salesforce for demos:
 *   npx node --import @swc-node/register/esm-register libs/crm-sandbox/src/cli.ts
 * Env: HUBSPOT_SANDBOX_PORT (4010), SALESFORCE_SANDBOX_PORT (4020), HUBSPOT_SANDBOX_CLIENT_SECRET,
 * SALESFORCE_SANDBOX_TOKEN, HUBSPOT_SANDBOX_WEBHOOK_URL (echo API writes as signed webhooks there).
 */
function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${name} must be a TCP port, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const sandboxes = await startStandaloneSandboxes({
    hubspotPort: port('HUBSPOT_SANDBOX_PORT', 4010),
    salesforcePort: port('SALESFORCE_SANDBOX_PORT', 4020),
    hubspotClientSecret: process.env.HUBSPOT_SANDBOX_CLIENT_SECRET || undefined,
    salesforceAccessToken: process.env.SALESFORCE_SANDBOX_TOKEN || undefined,
    hubspotWebhookUrl: process.env.HUBSPOT_SANDBOX_WEBHOOK_URL || undefined,
  });
  const { hubspot, salesforce } = sandboxes;
  const lines = [
    `HubSpot sandbox    ${hubspot.baseUrl}  (${hubspot.contacts.size} contacts, ${hubspot.owners.length} owners, portal ${hubspot.portalId}, app ${hubspot.appId})`,
    `Salesforce sandbox ${salesforce.instanceUrl}  (${salesforce.leads.size} leads, CometD at /cometd/${salesforce.apiVersion})`,
    process.env.HUBSPOT_SANDBOX_WEBHOOK_URL
      ? `HubSpot API writes are echoed as signed webhooks to ${process.env.HUBSPOT_SANDBOX_WEBHOOK_URL}`
      : '',
    '',
    '# Point crm-connector at the sandboxes (add CRM_PROVIDER=hubspot or CRM_PROVIDER=salesforce):',
    ...Object.entries(sandboxes.env).map(([key, value]) => `${key}=${value}`),
    '',
    'Ctrl-C stops both.',
  ].filter((line, i, all) => line !== '' || all[i - 1] !== '');
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sandboxes.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`failed to stop the sandboxes: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`crm-sandbox: ${(err as Error).message}\n`);
  process.exit(1);
});
