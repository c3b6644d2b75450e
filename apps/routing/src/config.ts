import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

export const RoutingEnvSchema = BaseEnvSchema.extend({
  ROUTING_ADMIN_TOKEN: z
    .string()
    .min(16, 'at least 16 characters')
    .optional()
    .describe('Bearer token the roster admin API requires for changes; unset = no check'),
  ROUTING_MAX_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(500)
    .describe('Qualified leads decided per transaction'),
  ROUTING_CONSUMER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(1)
    .describe(
      'Partitions handled at once; decisions serialise on the pool and roster locks, so more rarely helps',
    ),
});
export type RoutingEnv = z.infer<typeof RoutingEnvSchema>;

export interface RoutingSettings {
  adminToken?: string;
  maxBatch: number;
  concurrency: number;
  /** Defaults to baton-routing; tests sharing one broker give each environment its own group. */
  consumerGroup?: string;
}
