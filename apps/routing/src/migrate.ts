import { migrateService } from '@baton/platform';
import { routingService } from './routing.service.js';

await migrateService(routingService);
