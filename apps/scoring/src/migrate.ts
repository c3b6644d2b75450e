import { migrateService } from '@baton/platform';
import { SCORING_MIGRATIONS, SERVICE_NAME } from './scoring-service.js';

await migrateService({ name: SERVICE_NAME, migrations: SCORING_MIGRATIONS });
