import { runService } from '@baton/platform';
import { notificationService } from './notification.service.js';

await runService(notificationService);
