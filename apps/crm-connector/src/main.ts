import { runService } from '@baton/platform';
import { crmConnectorService } from './crm-connector.service.js';

await runService(crmConnectorService);
