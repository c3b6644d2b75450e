import { CONNECTOR_POLICY_DIR } from './connector.js';
import 'reflect-metadata';
import { ServiceRuntime, runNestService } from '@baton/platform';
import { AppModule } from './app.module.js';
import { loadConnectorEnv } from './config/env.js';
import { CONNECTOR_RELAY_BATCH, CONNECTOR_SERVICE, CONNECTOR_TOPICS, Connector } from './connector.js';
import { loadConnectorPolicy } from './policy/policy.js';
import { CONNECTOR_MIGRATIONS } from './store/connector.migration.js';

await runNestService(CONNECTOR_SERVICE, async () => {
  const env = loadConnectorEnv();
  const policy = loadConnectorPolicy(env.BATON_POLICY_DIR ?? CONNECTOR_POLICY_DIR, env.CRM_PROVIDER);
  const runtime = await ServiceRuntime.start({
    service: CONNECTOR_SERVICE,
    env,
    topics: CONNECTOR_TOPICS,
    migrations: CONNECTOR_MIGRATIONS,
    relayBatchSize: CONNECTOR_RELAY_BATCH,
  });
  const connector = new Connector(runtime, env, policy);
  // The webhook controller reads the raw body itself: the signature covers the exact bytes.
  return {
    module: AppModule.forRuntime(runtime, connector),
    port: env.PORT,
    nestOptions: { bodyParser: false },
  };
});
