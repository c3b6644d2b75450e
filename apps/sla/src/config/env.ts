import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

/** The settings of sla: the shared ones and its own (SLA_CONSUMER_* are the kit's). */
export const SlaEnvSchema = BaseEnvSchema.extend({
  SLA_FIRING: z
    .enum(['on', 'off'])
    .default('on')
    .describe('Whether this instance fires due ladder rungs (off: it only arms and stops timers)'),
  SLA_FIRING_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(500)
    .describe('Most rungs one firing transaction claims (FOR UPDATE SKIP LOCKED)'),
  SLA_FIRING_IDLE_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(600_000)
    .default(5_000)
    .describe(
      'Longest the firing loop sleeps before it looks again (it wakes at the next due rung, and at once on arming)',
    ),
  SLA_STATS_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(30_000)
    .describe('How often the open-timer and compliance gauges are read from the database'),
  SLA_ROUTING_URL: z
    .url()
    .optional()
    .describe(
      "Routing's base URL (its admin API pauses a rep after too many breaches, where the policy says so), e.g. http://routing",
    ),
  SLA_CLOCK_SHIFT_MS: z.coerce
    .number()
    .int()
    .default(0)
    .describe(
      "Drills and tests only: the service's clock runs this far ahead of the system clock (deadlines come due sooner)",
    ),
});
export type SlaEnv = z.infer<typeof SlaEnvSchema>;
