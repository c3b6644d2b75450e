import { runService } from '@baton/platform';
import { scoringService } from './scoring.service.js';

await runService(scoringService);
