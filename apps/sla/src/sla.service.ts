import { defineService } from '@baton/platform';
import { SlaEnvSchema } from './config/env.js';
import { SLA_ENTITIES } from './database/sla.entities.js';
import { SlaTables1796167918448 } from './database/migrations/1796167918448-sla-tables.migration.js';
import { BUNDLED_POLICY_DIR, loadSlaPolicy } from './policy/policy.js';
import { SlaModule } from './sla.module.js';

/** The sla service: what main, migrate, validate and the tests start from. */
export const slaService = defineService({
  name: 'sla',
  env: SlaEnvSchema,
  policy: { bundledDir: BUNDLED_POLICY_DIR, load: loadSlaPolicy },
  migrations: [SlaTables1796167918448],
  entities: SLA_ENTITIES,
  module: SlaModule,
  // Arming is a few statements per batch whatever its size: big batches, one partition at a time.
  consumer: { batch: 500, concurrency: 1 },
  // Rep work is kept to match activities that arrive before their assignment; the verdicts live
  // on the timers (never pruned).
  retainedTables: [{ table: 'lead_activity', timeColumn: 'received_at' }],
});
