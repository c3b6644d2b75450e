import type { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

/**
 * Routing's environment: the shared settings only. Its consumer settings are the kit's
 * `ROUTING_CONSUMER_*` (defaults in the definition), its API token is BATON_API_TOKEN.
 */
export const RoutingEnvSchema = BaseEnvSchema.extend({});
export type RoutingEnv = z.infer<typeof RoutingEnvSchema>;
