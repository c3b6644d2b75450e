import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/**
 * The settings of notification: the shared ones, the provider settings the architecture names
 * (SLACK_*, TEAMS_WEBHOOK_URL, SMTP_URL) and its own NOTIFICATION_* keys. NOTIFICATION_CONSUMER_*
 * are the kit's. Secrets (tokens, signing secrets, the webhook URL with its `sig=`, SMTP
 * credentials, the link secret, the DKIM key) are never logged.
 */
export const NotificationEnvSchema = BaseEnvSchema.extend({
  SLACK_BOT_TOKEN: optionalText.describe(
    'Slack bot token (xoxb-…, scopes chat:write, users:read.email, im:write, im:history); unset: no Slack',
  ),
  SLACK_SIGNING_SECRET: optionalText.describe(
    "Slack app's signing secret: verifies interactivity requests (buttons); required with SLACK_BOT_TOKEN",
  ),
  SLACK_API_URL: httpUrl
    .default('https://slack.com/api/')
    .describe('Slack Web API base URL (tests and the quickstart point it at the Slack fake)'),
  TEAMS_WEBHOOK_URL: httpUrl
    .optional()
    .describe(
      'Teams Workflows webhook ("Post to a channel when a webhook request is received"); unset: no Teams',
    ),
  TEAMS_BOT_APP_ID: optionalText.describe(
    'Teams bot (Entra app) id: a 1:1 proactive message to reps with a Teams user id instead of the Workflows channel',
  ),
  TEAMS_BOT_APP_PASSWORD: optionalText.describe("The bot app's client secret"),
  TEAMS_BOT_TENANT_ID: optionalText.describe(
    "The customer's Entra tenant id (the bot's token and the conversation)",
  ),
  TEAMS_BOT_SERVICE_URL: httpUrl
    .default('https://smba.trafficmanager.net/teams/')
    .describe('Bot Connector service URL of the tenant (from an earlier activity or the region)'),
  TEAMS_BOT_TOKEN_URL: httpUrl
    .optional()
    .describe('Token endpoint (default https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token)'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'expected smtp://… or smtps://…')
    .optional()
    .describe(
      'SMTP relay for alert and intro e-mails, e.g. smtps://user:pass@smtp.example.com:465; unset: no e-mail',
    ),
  NOTIFICATION_EMAIL_FROM: z
    .string()
    .min(3)
    .default('Baton <baton@localhost>')
    .describe('From of alert and escalation e-mails (intro e-mails are from the rep)'),
  NOTIFICATION_DKIM_DOMAIN: optionalText.describe(
    'DKIM signing domain (d=); with _SELECTOR and _PRIVATE_KEY',
  ),
  NOTIFICATION_DKIM_SELECTOR: optionalText.describe(
    'DKIM selector (s=) whose public key the domain publishes',
  ),
  NOTIFICATION_DKIM_PRIVATE_KEY: optionalText.describe('DKIM private key (PEM)'),
  NOTIFICATION_PUBLIC_URL: httpUrl
    .optional()
    .describe(
      'Public base URL of this service, as the ingress serves it: the signed action links of Teams cards and e-mails; required with them',
    ),
  NOTIFICATION_LINK_SECRET: z
    .string()
    .min(32, 'at least 32 characters')
    .optional()
    .describe('HMAC key of the signed action links; required with TEAMS_WEBHOOK_URL or SMTP_URL'),
  NOTIFICATION_LINK_TTL_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 30)
    .default(72)
    .describe('How long a signed action link works'),
  NOTIFICATION_HUBSPOT_PORTAL_ID: optionalText.describe(
    'HubSpot portal (hub) id: the link to a contact, https://app.hubspot.com/contacts/<id>/record/0-1/<contact>',
  ),
  NOTIFICATION_HUBSPOT_APP_URL: httpUrl
    .default('https://app.hubspot.com')
    .describe('HubSpot app base URL (app-eu1.hubspot.com for EU portals)'),
  NOTIFICATION_SALESFORCE_URL: httpUrl
    .optional()
    .describe(
      'Salesforce Lightning base URL, e.g. https://acme.lightning.force.com: <base>/lightning/r/Lead/<id>/view',
    ),
  NOTIFICATION_DELIVERY_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(3)
    .describe('Attempts of a delivery on transient failures (5xx, timeouts) before the next channel'),
  NOTIFICATION_RETRY_BASE_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(600_000)
    .default(1_000)
    .describe('First backoff of a transiently failed delivery (doubled per attempt, with jitter)'),
  NOTIFICATION_MAX_WAIT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(86_400_000)
    .default(60_000)
    .describe(
      'A delivery told to wait longer than this (Retry-After) goes to the next channel instead, where there is one',
    ),
  NOTIFICATION_LEASE_MS: z.coerce
    .number()
    .int()
    .min(500)
    .max(600_000)
    .default(30_000)
    .describe(
      'A claimed delivery not recorded within this is taken over (after a crash), checked first where the provider allows',
    ),
  NOTIFICATION_POLL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1_000)
    .describe(
      'How often due deliveries (scheduled intro e-mails, retries, taken-over claims) are looked for',
    ),
  NOTIFICATION_SLACK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(5_000)
    .describe('Timeout of one Slack API request'),
  NOTIFICATION_SLACK_CHANNEL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(1_000)
    .describe("Least time between two messages to one Slack channel (Slack's ~1 message/s per channel)"),
  NOTIFICATION_TEAMS_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(250)
    .describe('Least time between two Teams webhook posts (Workflows throttles above ~4 requests/s)'),
  NOTIFICATION_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(10_485_760)
    .default(65_536)
    .describe('Largest Slack interactivity body accepted (413 above)'),
  NOTIFICATION_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(512)
    .default(32)
    .describe('Provider calls in flight at once per instance'),
  NOTIFICATION_HISTORY_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe('Most deliveries GET /leads/:leadId/notifications answers with, newest first'),
}).superRefine((env, ctx) => {
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET)
    ctx.addIssue({
      code: 'custom',
      path: ['SLACK_SIGNING_SECRET'],
      message: 'is required with SLACK_BOT_TOKEN',
    });
  if ((env.TEAMS_WEBHOOK_URL || env.SMTP_URL || env.TEAMS_BOT_APP_ID) && !env.NOTIFICATION_PUBLIC_URL)
    ctx.addIssue({
      code: 'custom',
      path: ['NOTIFICATION_PUBLIC_URL'],
      message: 'is required with Teams or e-mail: the action links of their cards and e-mails point there',
    });
  if ((env.TEAMS_WEBHOOK_URL || env.SMTP_URL) && !env.NOTIFICATION_LINK_SECRET)
    ctx.addIssue({
      code: 'custom',
      path: ['NOTIFICATION_LINK_SECRET'],
      message: 'is required with TEAMS_WEBHOOK_URL or SMTP_URL (it signs their action links)',
    });
  const bot = [env.TEAMS_BOT_APP_ID, env.TEAMS_BOT_APP_PASSWORD, env.TEAMS_BOT_TENANT_ID];
  if (bot.some(Boolean) && !bot.every(Boolean))
    ctx.addIssue({
      code: 'custom',
      path: ['TEAMS_BOT_APP_ID'],
      message: 'a Teams bot needs TEAMS_BOT_APP_ID, TEAMS_BOT_APP_PASSWORD and TEAMS_BOT_TENANT_ID together',
    });
  if (bot.every(Boolean) && !env.NOTIFICATION_LINK_SECRET)
    ctx.addIssue({
      code: 'custom',
      path: ['NOTIFICATION_LINK_SECRET'],
      message: 'is required with a Teams bot (it signs the action links of its cards)',
    });
  const dkim = [
    env.NOTIFICATION_DKIM_DOMAIN,
    env.NOTIFICATION_DKIM_SELECTOR,
    env.NOTIFICATION_DKIM_PRIVATE_KEY,
  ];
  if (dkim.some(Boolean) && !dkim.every(Boolean))
    ctx.addIssue({
      code: 'custom',
      path: ['NOTIFICATION_DKIM_DOMAIN'],
      message: 'DKIM needs NOTIFICATION_DKIM_DOMAIN, _SELECTOR and _PRIVATE_KEY together',
    });
});
export type NotificationEnv = z.infer<typeof NotificationEnvSchema>;

/** Where the signed action links point (only Slack, which needs none, may leave it unset). */
export function publicUrlOf(env: NotificationEnv): string {
  return (env.NOTIFICATION_PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/+$/, '');
}
