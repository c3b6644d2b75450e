import { loadEnv, runNestService } from '@baton/platform';
import { AppModule } from './app.module.js';
import { ScoringEnvSchema } from './config/scoring-env.js';
import { policyDir } from './policy/policy-dir.js';
import { loadScoringRules } from './policy/scoring-policy.js';
import { SERVICE_NAME, startScoringService } from './scoring-service.js';

await runNestService(SERVICE_NAME, async () => {
  const env = loadEnv(ScoringEnvSchema);
  const rules = loadScoringRules(policyDir());
  const service = await startScoringService({ env, rules });
  return { module: AppModule.forService(service), port: env.PORT };
});
