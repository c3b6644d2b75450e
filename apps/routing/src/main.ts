import { fileURLToPath } from 'node:url';
import { ServiceRuntime, loadEnv, runNestService, systemClock } from '@baton/platform';
import { AppModule } from './app.module.js';
import { RoutingEnvSchema } from './config.js';
import { RoutingTables1763900000000 } from './database/routing.migration.js';
import { loadRoutingPolicy } from './policy/policy.js';
import { seedRoster } from './roster/roster.store.js';
import { ROUTING_TOPICS } from './routing.topics.js';

await runNestService('routing', async () => {
  const env = loadEnv(RoutingEnvSchema);
  // Without BATON_POLICY_DIR the sample policy next to the app is used (handy for `nx serve routing`).
  const policyDir = process.env.BATON_POLICY_DIR
    ? process.env.BATON_POLICY_DIR
    : fileURLToPath(new URL('../config/policy', import.meta.url));
  const policy = loadRoutingPolicy(policyDir);
  const runtime = await ServiceRuntime.start({
    service: 'routing',
    env,
    topics: ROUTING_TOPICS,
    migrations: [RoutingTables1763900000000],
  });
  await runtime.transaction((em) => seedRoster(em, policy));
  return {
    module: AppModule.forRuntime(runtime, policy, systemClock, {
      adminToken: env.ROUTING_ADMIN_TOKEN,
      maxBatch: env.ROUTING_MAX_BATCH,
      concurrency: env.ROUTING_CONSUMER_CONCURRENCY,
    }),
    port: env.PORT,
  };
});
