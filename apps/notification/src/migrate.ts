import { migrateService } from '@baton/platform';
import { notificationService } from './notification.service.js';

await migrateService(notificationService);
