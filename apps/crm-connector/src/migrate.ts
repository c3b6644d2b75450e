import { migrateService } from '@baton/platform';
import { CONNECTOR_SERVICE } from './connector.js';
import { CONNECTOR_MIGRATIONS } from './store/connector.migration.js';

await migrateService(CONNECTOR_SERVICE, CONNECTOR_MIGRATIONS);
