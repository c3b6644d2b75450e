import { z } from 'zod';

/**
 * The settings of a service's one consumer group, read from the environment under one naming
 * scheme: `<SERVICE>_CONSUMER_GROUP`, `_BATCH`, `_CONCURRENCY`, `_TRANSACTIONS`,
 * `_SESSION_TIMEOUT_MS`, `_RETRY_ATTEMPTS` (SERVICE = the service name in upper case, `-` → `_`).
 */
export interface ConsumerSettings {
  /** Before the topic prefix, which the runtime prepends (environments never share a group). */
  group: string;
  /** Most messages one batch handler call gets. */
  batch: number;
  /** Partition batches handled at once; at least the partitions a replica may hold for coalescing. */
  concurrency: number;
  /** Coalesced batch calls (one transaction each) in flight at once. */
  transactions: number;
  /** How long the group waits for a silent replica before giving its partitions to the others. */
  sessionTimeoutMs: number;
  /** Handler attempts before a message is dead-lettered. */
  retryAttempts: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
}

export type ConsumerDefaults = Partial<ConsumerSettings>;

/** The prefix of a service's own settings: `crm-connector` → `CRM_CONNECTOR`. */
export function envPrefix(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * A restarted replica joins its group only when the group has given up on the one it replaces
 * (a kill -9 leaves no goodbye): the session timeout bounds how long a restart waits. The broker's
 * minimum is 6 s; heartbeats go every second.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 8_000;

function baseDefaults(service: string): ConsumerSettings {
  return {
    group: `baton-${service}`,
    batch: 500,
    concurrency: 3,
    transactions: 2,
    sessionTimeoutMs: DEFAULT_SESSION_TIMEOUT_MS,
    retryAttempts: 5,
    retryInitialDelayMs: 200,
    retryMaxDelayMs: 10_000,
  };
}

/** The schema of a service's consumer settings (validated beside the service's own env schema). */
export function consumerEnvSchema(service: string, defaults: ConsumerDefaults = {}) {
  const d = { ...baseDefaults(service), ...defaults };
  const p = envPrefix(service);
  const int = (min: number, max: number, def: number) =>
    z.coerce.number().int().min(min).max(max).default(def);
  return z
    .object({
      [`${p}_CONSUMER_GROUP`]: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
        .default(d.group),
      [`${p}_CONSUMER_BATCH`]: int(1, 10_000, d.batch),
      [`${p}_CONSUMER_CONCURRENCY`]: int(1, 256, d.concurrency),
      [`${p}_CONSUMER_TRANSACTIONS`]: int(1, 16, d.transactions),
      [`${p}_CONSUMER_SESSION_TIMEOUT_MS`]: int(6_000, 300_000, d.sessionTimeoutMs),
      [`${p}_CONSUMER_RETRY_ATTEMPTS`]: int(1, 100, d.retryAttempts),
    })
    .transform((v): ConsumerSettings => ({
      ...d,
      group: String(v[`${p}_CONSUMER_GROUP`]),
      batch: Number(v[`${p}_CONSUMER_BATCH`]),
      concurrency: Number(v[`${p}_CONSUMER_CONCURRENCY`]),
      transactions: Number(v[`${p}_CONSUMER_TRANSACTIONS`]),
      sessionTimeoutMs: Number(v[`${p}_CONSUMER_SESSION_TIMEOUT_MS`]),
      retryAttempts: Number(v[`${p}_CONSUMER_RETRY_ATTEMPTS`]),
    }));
}

/** The consumer settings' variable names of a service, for docs and the generator. */
export function consumerEnvNames(service: string): string[] {
  const p = envPrefix(service);
  return ['GROUP', 'BATCH', 'CONCURRENCY', 'TRANSACTIONS', 'SESSION_TIMEOUT_MS', 'RETRY_ATTEMPTS'].map(
    (k) => `${p}_CONSUMER_${k}`,
  );
}
