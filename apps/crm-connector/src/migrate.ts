import { migrateService } from '@baton/platform';
import { crmConnectorService } from './crm-connector.service.js';

await migrateService(crmConnectorService);
