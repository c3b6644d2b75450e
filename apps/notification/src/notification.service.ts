import { defineService } from '@baton/platform';
import { NotificationEnvSchema } from './config/env.js';
import { LeadAssignedRow } from './database/lead-assigned.entity.js';
import { NotificationTables1796167454133 } from './database/migrations/1796167454133-notification-tables.migration.js';
import { NotificationModule } from './notification.module.js';
import { BUNDLED_POLICY_DIR, loadNotificationPolicy } from './policy/policy.js';

/** The notification service: what main, migrate, validate and the tests start from. */
export const notificationService = defineService({
  name: 'notification',
  env: NotificationEnvSchema,
  policy: { bundledDir: BUNDLED_POLICY_DIR, load: loadNotificationPolicy },
  migrations: [NotificationTables1796167454133],
  entities: [LeadAssignedRow],
  module: NotificationModule,
});
