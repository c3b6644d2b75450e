import { fileURLToPath } from 'node:url';
import { PolicyError } from '@baton/platform';
import { loadRoutingPolicy } from './policy.js';

/**
 * `nx run routing:validate [dir]`: checks roster.yaml and routing.yaml (schema and cross-references).
 * Exits 1 with the file and key path of every problem; prints a summary otherwise.
 */
const dir =
  process.argv[2] ??
  process.env.BATON_POLICY_DIR ??
  fileURLToPath(new URL('../../config/policy', import.meta.url));
try {
  const policy = loadRoutingPolicy(dir);
  console.log(
    `routing policy OK (${policy.version}): ${policy.roster.reps.length} reps, ${policy.pools.size} pools, ${policy.managers.size} managers, ${policy.routing.rules.length} rules`,
  );
} catch (err) {
  console.error(err instanceof PolicyError ? err.message : `cannot validate: ${(err as Error).message}`);
  process.exitCode = 1;
}
