import { migrateService } from '@baton/platform';
import { scoringService } from './scoring.service.js';

await migrateService(scoringService);
