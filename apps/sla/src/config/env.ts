import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

/** The settings of sla: the shared ones and its own (SLA_CONSUMER_* are the kit's). */
export const SlaEnvSchema = BaseEnvSchema.extend({
  SLA_HISTORY_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe('Most lead.activity.v1 events GET /leads/:leadId/deadlines answers with, newest first'),
});
export type SlaEnv = z.infer<typeof SlaEnvSchema>;
