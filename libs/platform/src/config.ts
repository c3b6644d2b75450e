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
  BATON_POLICY_DIR: z.string().default('config/policy'),
});
export type BaseEnv = z.infer<typeof BaseEnvSchema>;

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
