import { defineService } from '@baton/platform';
import { SlaEnvSchema } from './config/env.js';
import { SLA_ENTITIES } from './database/sla.entities.js';
import { SlaTables1796167918448 } from './database/migrations/1796167918448-sla-tables.migration.js';
import { SlaRepPause1796170937448 } from './database/migrations/1796170937448-sla-rep-pause.migration.js';
import { BUNDLED_POLICY_DIR, loadSlaPolicy } from './policy/policy.js';
import { SlaModule } from './sla.module.js';

/** The sla service: what main, migrate, validate and the tests start from. */
export const slaService = defineService({
  name: 'sla',
  env: SlaEnvSchema,
  policy: { bundledDir: BUNDLED_POLICY_DIR, load: (dir, env) => loadSlaPolicy(dir, env) },
  migrations: [SlaTables1796167918448, SlaRepPause1796170937448],
  entities: SLA_ENTITIES,
  module: SlaModule,
  // Arming is a dozen statements per batch whatever its size: big batches. Partitions run side by
  // side (the kit's concurrency); the lead's advisory lock orders work on one lead.
  consumer: { batch: 500 },
  // Rep work is kept to match activities that arrive before their assignment; the verdicts live
  // on the timers (never pruned).
  retainedTables: [{ table: 'lead_activity', timeColumn: 'received_at' }],
});
