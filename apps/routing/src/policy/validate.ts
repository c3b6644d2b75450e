import { runCommand } from '@baton/platform';
import { routingService } from '../routing.service.js';
import { loadRoutingPolicy } from './policy.js';

/**
 * `nx run routing:validate [dir]`: checks roster.yaml and routing.yaml (schema and cross-references)
 * in the directory given, BATON_POLICY_DIR, or the bundled sample. Exits 1 with the file and key
 * path of every problem; prints a summary otherwise.
 */
await runCommand(
  'routing.validate',
  () => {
    const dir = process.argv[2] ?? process.env.BATON_POLICY_DIR ?? routingService.policy!.bundledDir;
    const policy = loadRoutingPolicy(dir);
    console.log(
      `routing policy OK (${policy.version}): ${policy.roster.reps.length} reps, ${policy.pools.size} pools, ${policy.managers.size} managers, ${policy.routing.rules.length} rules`,
    );
    return Promise.resolve(0);
  },
  { policyErrorExit: 1 },
);
