import { migrateService } from '@baton/platform';
import { RoutingTables1763900000000 } from './database/routing.migration.js';

await migrateService({ name: 'routing', migrations: [RoutingTables1763900000000] });
