import { runService } from '@baton/platform';
import { slaService } from './sla.service.js';

await runService(slaService);
