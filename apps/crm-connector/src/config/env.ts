import { z } from 'zod';
import { BaseEnvSchema, loadEnv } from '@baton/platform';

/** An http(s) URL only: ftp:, file:, javascript: and the like are refused at start. */
const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const positiveInt = z.coerce.number().int().positive();
const onOff = (def: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(def)
    .transform((v) => v === 'true');

/** Keys each provider needs; only the chosen provider's keys are required. */
const REQUIRED: Record<'hubspot' | 'salesforce', readonly string[]> = {
  hubspot: ['HUBSPOT_ACCESS_TOKEN', 'HUBSPOT_CLIENT_SECRET'],
  salesforce: ['SALESFORCE_INSTANCE_URL', 'SALESFORCE_ACCESS_TOKEN'],
};

/**
 * The connector's own settings. Its consumer settings are the kit's `CRM_CONNECTOR_CONSUMER_*`
 * (defaults in the definition), its API token BATON_API_TOKEN.
 */
export const ConnectorSettings = {
  CRM_PROVIDER: z.enum(['hubspot', 'salesforce']).describe('The CRM the connector speaks to'),
  CRM_PROVISION_ON_START: onOff('false').describe(
    "Create Baton's HubSpot properties and options at start instead of failing readiness; Salesforce: check only",
  ),
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional().describe('Private app token (HubSpot)'),
  HUBSPOT_CLIENT_SECRET: z
    .string()
    .min(1)
    .optional()
    .describe("The app's client secret, which signs the webhooks (HubSpot)"),
  HUBSPOT_API_BASE_URL: url.default('https://api.hubapi.com').describe('HubSpot API host'),
  HUBSPOT_APP_ID: z
    .string()
    .regex(/^\d+$/, 'the numeric app id')
    .optional()
    .describe("Changes with changeSource INTEGRATION/API and this sourceId are Baton's own"),
  HUBSPOT_RATE_LIMIT: positiveInt
    .default(100)
    .describe('Requests per 10 s: 100 (Free/Starter) or 190 (Professional/Enterprise)'),
  HUBSPOT_DAILY_LIMIT: positiveInt.default(250_000).describe('Requests per rolling 24 h (HubSpot)'),
  SALESFORCE_INSTANCE_URL: url.optional().describe('https://<org>.my.salesforce.com'),
  SALESFORCE_ACCESS_TOKEN: z.string().min(1).optional().describe('OAuth access token (Salesforce)'),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d+\.\d$/, 'like 62.0')
    .default('62.0')
    .describe('Salesforce REST API version'),
  SALESFORCE_DAILY_LIMIT: positiveInt
    .default(100_000)
    .describe("The org's rolling 24 h API allocation Baton may use"),
  SALESFORCE_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('baton-crm-connector')
    .describe("Sent as Sforce-Call-Options client=…; CDC's changeOrigin carries it back (echoes)"),
  SALESFORCE_CDC: z
    .enum(['on', 'off'])
    .default('on')
    .describe('on = Change Data Capture streaming; off = poll LastModifiedDate'),
  SALESFORCE_POLL_INTERVAL_MS: positiveInt.default(30_000).describe('Polling interval when CDC is off'),
  WEBHOOK_PUBLIC_URL: url
    .optional()
    .describe('Scheme + host HubSpot calls (behind a proxy), for the signature; default the request host'),
  WEBHOOK_MAX_BODY_BYTES: positiveInt
    .default(1_048_576)
    .describe('Larger webhook bodies get 400 (not retried by HubSpot) and are counted'),
  ECHO_WINDOW_MS: positiveInt
    .default(15 * 60_000)
    .describe('How long a change Baton wrote is recognised when it comes back'),
};

type Provider = z.infer<typeof ConnectorSettings.CRM_PROVIDER>;

/** Only the chosen provider's credentials are required, each named. */
function requireProviderKeys(
  env: Record<string, unknown> & { CRM_PROVIDER: Provider },
  ctx: z.RefinementCtx,
) {
  for (const key of REQUIRED[env.CRM_PROVIDER]) {
    if (!env[key]) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `is required when CRM_PROVIDER=${env.CRM_PROVIDER}`,
      });
    }
  }
}

export const ConnectorEnvSchema = BaseEnvSchema.extend(ConnectorSettings).superRefine(requireProviderKeys);
export type ConnectorEnv = z.infer<typeof ConnectorEnvSchema>;

/** What the `provision` command needs: the CRM settings, and BATON_POLICY_DIR for the mapping. */
export const ProvisionEnvSchema = BaseEnvSchema.pick({ BATON_POLICY_DIR: true })
  .extend(ConnectorSettings)
  .superRefine(requireProviderKeys);
export type ProvisionEnv = z.infer<typeof ProvisionEnvSchema>;

export function loadConnectorEnv(env: NodeJS.ProcessEnv = process.env): ConnectorEnv {
  return loadEnv(ConnectorEnvSchema, env);
}
