import { validatePolicyCommand } from '@baton/platform';
import { routingService } from '../routing.service.js';
import { loadRoutingPolicy } from './policy.js';

/**
 * `nx run routing:validate [dir]`: checks roster.yaml and routing.yaml (schema and cross-references)
 * in the directory given, BATON_POLICY_DIR, or the bundled sample. Exits 1 with the file and key
 * path of every problem; prints a summary otherwise.
 */
await validatePolicyCommand('routing', routingService.policy!.bundledDir, (dir) => {
  const policy = loadRoutingPolicy(dir);
  return `routing policy OK (${policy.version}): ${policy.roster.reps.length} reps, ${policy.pools.size} pools, ${policy.managers.size} managers, ${policy.routing.rules.length} rules`;
});
