import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { NotifyChannelSchema } from '@baton/domain';
import { PolicyError, loadPolicy, type LoadedPolicy } from '@baton/platform';
import { placeholdersOf } from '../templates/render.js';

/** The sample policy shipped with the service (used when BATON_POLICY_DIR is not set). */
export const BUNDLED_POLICY_DIR = fileURLToPath(new URL('../../config/policy', import.meta.url));
export const POLICY_FILE = 'notification.yaml';
export const TEMPLATES_FILE = 'templates.yaml';

export const NotificationPolicySchema = z
  .object({
    version: z.string().min(1),
    alerts: z
      .object({
        defaultChannels: z.array(NotifyChannelSchema).min(1),
        topSignals: z.number().int().min(0).max(10),
        summaryMaxChars: z.number().int().min(100).max(2800),
      })
      .strict(),
    introEmail: z
      .object({
        enabled: z.boolean(),
        whenOptOutUnknown: z.enum(['send', 'skip']),
        delayMinutes: z
          .number()
          .min(0)
          .max(24 * 60),
        skipStrategies: z.array(
          z.enum(['weighted_rotation', 'least_loaded', 'existing_owner', 'manager_queue']),
        ),
        suppressedDomains: z.array(z.string().min(3)),
        customerDomains: z.array(z.string().min(3)),
        languageByCountry: z.record(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2'), z.string().min(2)),
        defaultLanguage: z.string().min(2),
      })
      .strict(),
  })
  .strict();
export type NotificationPolicy = z.infer<typeof NotificationPolicySchema>;

const AlertWording = z.object({ headline: z.string().min(1), body: z.string().optional() }).strict();

export const TemplatesSchema = z
  .object({
    version: z.string().min(1),
    alerts: z
      .object({
        assignment: AlertWording,
        reassignment: AlertWording,
        reminder: AlertWording,
        escalation: AlertWording,
        reassigned: AlertWording,
      })
      .strict(),
    intro: z
      .array(
        z
          .object({
            id: z.string().min(1),
            language: z.string().min(2),
            product: z.string().optional(),
            segment: z.string().optional(),
            subject: z.string().min(1),
            body: z.string().min(1),
          })
          .strict(),
      )
      .min(1),
    signatures: z
      .record(z.string(), z.string().min(1))
      .refine((s) => 'default' in s, 'needs a default signature'),
  })
  .strict();
export type Templates = z.infer<typeof TemplatesSchema>;

/** What an intro e-mail's placeholders may name. */
export const INTRO_PLACEHOLDERS = [
  'prospect.firstName',
  'prospect.lastName',
  'prospect.fullName',
  'prospect.title',
  'company',
  'product',
  'segment',
  'suggestedTime',
  'rep.name',
  'rep.firstName',
  'rep.email',
  'signature',
];

export interface LoadedNotificationPolicy extends LoadedPolicy<NotificationPolicy> {
  templates: LoadedPolicy<Templates>;
}

/**
 * Reads and validates notification.yaml and templates.yaml; a PolicyError names the file and
 * every bad key (an intro template naming a placeholder the service does not fill included).
 */
export function loadNotificationPolicy(dir: string): LoadedNotificationPolicy {
  const policy = loadPolicy(dir, POLICY_FILE, NotificationPolicySchema);
  const templates = loadPolicy(dir, TEMPLATES_FILE, TemplatesSchema);
  const problems = templates.policy.intro.flatMap((t, i) =>
    [...placeholdersOf(t.subject), ...placeholdersOf(t.body)]
      .filter((p) => !INTRO_PLACEHOLDERS.includes(p))
      .map((p) => `intro.${i}: unknown placeholder {{${p}}} (known: ${INTRO_PLACEHOLDERS.join(', ')})`),
  );
  if (!templates.policy.intro.some((t) => t.language === policy.policy.introEmail.defaultLanguage))
    problems.push(`intro: no template in the default language ${policy.policy.introEmail.defaultLanguage}`);
  if (problems.length > 0) throw new PolicyError(templates.file, problems);
  return { ...policy, version: `${policy.version}/${templates.version}`, templates };
}
