import { z } from 'zod';
import { isLogLevel } from '@baton/observability';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const brokers = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port')).min(1, 'at least one broker'));

/** Settings every Baton service reads from the environment. */
export const BaseEnvSchema = z.object({
  KAFKA_BROKERS: brokers,
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected postgres://…'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.string().refine(isLogLevel, 'one of debug, info, warn, error').default('info'),
  /** The sales-ops YAML files; unset = the sample policy bundled with the service. */
  BATON_POLICY_DIR: z.string().min(1).optional(),
  /**
   * How the service's admin and data HTTP APIs are protected (health, metrics and signed
   * webhooks are always open): `token` = a bearer token (BATON_API_TOKEN), `ingress` = the
   * ingress in front of the service authenticates (declared, not checked here), `off` = open,
   * for local use only.
   */
  BATON_API_AUTH: z.enum(['token', 'ingress', 'off']).default('token'),
  BATON_API_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Not ready while the outbox relay has failed this many rounds in a row. */
  BATON_READY_RELAY_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Not ready while the oldest outbox event has waited longer than this. */
  BATON_READY_OUTBOX_AGE_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
  /** Dedupe and log rows older than this are pruned (longer than Kafka's retention and HubSpot's 3-day retries). */
  BATON_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(7),
  /** Per-table retention in days over BATON_RETENTION_DAYS, e.g. `write_log=2,processed_event=14`. */
  BATON_RETENTION: z
    .string()
    .regex(
      /^(\s*[a-z_][a-z0-9_]*=\d+(\.\d+)?\s*)(,\s*[a-z_][a-z0-9_]*=\d+(\.\d+)?\s*)*$/,
      'table=days, comma-separated',
    )
    .optional()
    .transform((v) =>
      Object.fromEntries(
        (v ?? '')
          .split(',')
          .filter((p) => p.trim())
          .map((p) => {
            const [table, days] = p.split('=');
            return [table.trim(), Number(days)];
          }),
      ),
    ),
});
export type BaseEnv = z.infer<typeof BaseEnvSchema>;

/**
 * Settings renamed in a release: the old name keeps working for one release, with a warning.
 * Maps old → new before validation (the new name wins when both are set).
 */
export type DeprecatedEnv = Readonly<Record<string, string>>;

export function applyDeprecatedEnv(
  env: NodeJS.ProcessEnv,
  deprecated: DeprecatedEnv | undefined,
  warn: (message: string) => void,
): NodeJS.ProcessEnv {
  if (!deprecated) return env;
  const out = { ...env };
  for (const [old, now] of Object.entries(deprecated)) {
    if (env[old] === undefined) continue;
    warn(`${old} is deprecated and will be removed in the next release: use ${now}`);
    if (out[now] === undefined) out[now] = env[old];
  }
  return out;
}

/**
 * Validates the environment against a schema. Every bad or missing key is reported at
 * once, by name, so a deployment fails at start-up with a message an operator can act on.
 */
export function loadEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => {
      const key = i.path.join('.') || '(environment)';
      const missing = i.code === 'invalid_type' && env[String(i.path[0])] === undefined;
      return missing ? `${key}: is required but not set` : `${key}: ${i.message}`;
    }),
  );
}
