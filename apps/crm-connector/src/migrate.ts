import { migrateService } from '@baton/platform';
import { CONNECTOR_SERVICE } from './connector.js';
import { CONNECTOR_MIGRATIONS } from './store/connector.migration.js';

await migrateService({ name: CONNECTOR_SERVICE, migrations: CONNECTOR_MIGRATIONS });
