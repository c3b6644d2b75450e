import { migrateService } from '@baton/platform';
import { SCORING_MIGRATIONS, SERVICE_NAME } from './scoring-service.js';

await migrateService(SERVICE_NAME, SCORING_MIGRATIONS);
