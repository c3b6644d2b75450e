import { defineService } from '@baton/platform';
import { NotificationEnvSchema } from './config/env.js';
import { NOTIFICATION_ENTITIES } from './database/entities.js';
import { NotificationTables1796167454133 } from './database/migrations/1796167454133-notification-tables.migration.js';
import { NotificationModule } from './notification.module.js';
import { BUNDLED_POLICY_DIR, loadNotificationPolicy } from './policy/policy.js';

/** The notification service: what main, migrate, validate and the tests start from. */
export const notificationService = defineService({
  name: 'notification',
  env: NotificationEnvSchema,
  policy: { bundledDir: BUNDLED_POLICY_DIR, load: loadNotificationPolicy },
  migrations: [NotificationTables1796167454133],
  entities: NOTIFICATION_ENTITIES,
  module: NotificationModule,
  // An alert's transaction is small; batches of up to 500 assignments commit together and are sent
  // right after. Partitions in parallel: a slow provider never holds the consumer (sends are not awaited).
  consumer: { batch: 500, concurrency: 3 },
  // processed_event is pruned by the kit; deliveries and actions are the record of who was told what.
  retainedTables: [],
  // Slack's signature covers the raw bytes: the interactivity controller reads the body itself.
  http: { bodyParser: false },
});
