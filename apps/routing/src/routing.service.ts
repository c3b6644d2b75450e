import { fileURLToPath } from 'node:url';
import { defineService } from '@baton/platform';
import { RoutingEnvSchema } from './config/env.js';
import { AssignmentRow, CompanyOwnerRow } from './database/assignment.entity.js';
import { LeadProfileRow } from './database/lead-profile.entity.js';
import { RoutingTables1763900000000 } from './database/migrations/routing-tables.migration.js';
import { PoolRotationRow } from './database/pool-rotation.entity.js';
import { RepDailyLoadRow, RepRow, RosterChangeRow } from './database/roster.entity.js';
import { loadRoutingPolicy } from './policy/policy.js';
import { RoutingModule } from './routing.module.js';

export const routingService = defineService({
  name: 'routing',
  env: RoutingEnvSchema,
  deprecatedEnv: {
    ROUTING_ADMIN_TOKEN: 'BATON_API_TOKEN',
    ROUTING_MAX_BATCH: 'ROUTING_CONSUMER_BATCH',
  },
  policy: {
    bundledDir: fileURLToPath(new URL('../config/policy', import.meta.url)),
    load: (dir) => loadRoutingPolicy(dir),
  },
  migrations: [RoutingTables1763900000000],
  entities: [
    RepRow,
    RosterChangeRow,
    RepDailyLoadRow,
    PoolRotationRow,
    AssignmentRow,
    CompanyOwnerRow,
    LeadProfileRow,
  ],
  module: RoutingModule,
  // Decisions serialise on the pool and roster locks: one partition at a time rarely loses
  // anything, and up to 500 qualified leads are decided per transaction. Retries as before.
  consumer: { batch: 500, concurrency: 1, retryInitialDelayMs: 100, retryMaxDelayMs: 5_000 },
  // No retainedTables: assignment and roster_change are the audit trail of who got which lead
  // and who changed the roster, kept for good; routing's only dedupe is the shared processed_event.
});
