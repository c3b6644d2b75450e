import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

/** The settings of notification: the shared ones and its own (NOTIFICATION_CONSUMER_* are the kit's). */
export const NotificationEnvSchema = BaseEnvSchema.extend({
  NOTIFICATION_HISTORY_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe('Most lead.assigned.v1 events GET /leads/:leadId/lead-assigned answers with, newest first'),
});
export type NotificationEnv = z.infer<typeof NotificationEnvSchema>;
