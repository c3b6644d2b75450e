import { defineService } from '@baton/platform';
import { SlaEnvSchema } from './config/env.js';
import { DeadlinesRow } from './database/deadlines.entity.js';
import { SlaTables1796167457635 } from './database/migrations/1796167457635-sla-tables.migration.js';
import { SlaModule } from './sla.module.js';
import { BUNDLED_POLICY_DIR, loadSlaPolicy } from './policy/policy.js';

/** The sla service: what main, migrate, validate and the tests start from. */
export const slaService = defineService({
  name: 'sla',
  env: SlaEnvSchema,
  policy: { bundledDir: BUNDLED_POLICY_DIR, load: loadSlaPolicy },
  migrations: [SlaTables1796167457635],
  entities: [DeadlinesRow],
  module: SlaModule,
});
