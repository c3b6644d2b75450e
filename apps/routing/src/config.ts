import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

export const RoutingEnvSchema = BaseEnvSchema.extend({
  ROUTING_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional().describe('Bearer token the roster admin API requires for changes; unset = no check'),
  ROUTING_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500).describe('Qualified leads decided per transaction'),
});
export type RoutingEnv = z.infer<typeof RoutingEnvSchema>;

export interface RoutingSettings {
  adminToken?: string;
  maxBatch: number;
}
