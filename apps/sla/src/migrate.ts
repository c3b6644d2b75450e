import { migrateService } from '@baton/platform';
import { slaService } from './sla.service.js';

await migrateService(slaService);
