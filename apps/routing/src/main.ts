import { runService } from '@baton/platform';
import { routingService } from './routing.service.js';

await runService(routingService);
