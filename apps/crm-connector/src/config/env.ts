import { z } from 'zod';
import { BaseEnvSchema, loadEnv } from '@baton/platform';

const url = z.url().transform((u) => u.replace(/\/+$/, ''));
const positiveInt = z.coerce.number().int().positive();

/** Keys each provider needs; only the chosen provider's keys are required. */
const REQUIRED: Record<'hubspot' | 'salesforce', readonly string[]> = {
  hubspot: ['HUBSPOT_ACCESS_TOKEN', 'HUBSPOT_CLIENT_SECRET'],
  salesforce: ['SALESFORCE_INSTANCE_URL', 'SALESFORCE_ACCESS_TOKEN'],
};

export const ConnectorEnvSchema = BaseEnvSchema.extend({
  CRM_PROVIDER: z.enum(['hubspot', 'salesforce']),
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
  HUBSPOT_CLIENT_SECRET: z.string().min(1).optional(),
  HUBSPOT_API_BASE_URL: url.default('https://api.hubapi.com'),
  HUBSPOT_APP_ID: z.string().regex(/^\d+$/, 'the numeric app id').optional(),
  /** Requests per 10 s: 100 (Free/Starter) or 190 (Professional/Enterprise). */
  HUBSPOT_RATE_LIMIT: positiveInt.default(100),
  HUBSPOT_DAILY_LIMIT: positiveInt.default(250_000),
  SALESFORCE_INSTANCE_URL: url.optional(),
  SALESFORCE_ACCESS_TOKEN: z.string().min(1).optional(),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d+\.\d$/, 'like 62.0')
    .default('62.0'),
  SALESFORCE_DAILY_LIMIT: positiveInt.default(100_000),
  /** Sent as Sforce-Call-Options client=…; CDC changeOrigin carries it back, which is how echoes are spotted. */
  SALESFORCE_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('baton-crm-connector'),
  SALESFORCE_CDC: z.enum(['on', 'off']).default('on'),
  SALESFORCE_POLL_INTERVAL_MS: positiveInt.default(30_000),
  WEBHOOK_PUBLIC_URL: url.optional(),
  WEBHOOK_MAX_BODY_BYTES: positiveInt.default(1_048_576),
  /** Consumer group for crm.command.v1 (one per deployment; give each environment sharing a cluster its own). */
  CRM_CONNECTOR_CONSUMER_GROUP: z.string().min(1).default('baton-crm-connector'),
  /** How long a change Baton wrote is recognised when it comes back. */
  ECHO_WINDOW_MS: positiveInt.default(15 * 60_000),
}).superRefine((env, ctx) => {
  for (const key of REQUIRED[env.CRM_PROVIDER]) {
    if (!env[key as keyof typeof env]) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `is required when CRM_PROVIDER=${env.CRM_PROVIDER}`,
      });
    }
  }
});
export type ConnectorEnv = z.infer<typeof ConnectorEnvSchema>;

export function loadConnectorEnv(env: NodeJS.ProcessEnv = process.env): ConnectorEnv {
  return loadEnv(ConnectorEnvSchema, env);
}
