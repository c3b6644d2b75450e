import { validatePolicyCommand } from '@baton/platform';
import { BUNDLED_POLICY_DIR, loadSlaPolicy } from './policy.js';

/**
 * `npx nx run sla:validate [dir]`: checks the policy files of a directory (default:
 * BATON_POLICY_DIR, else the bundled sample). Exits 1 naming the file and every bad key.
 */
await validatePolicyCommand('sla', BUNDLED_POLICY_DIR, (dir) => {
  const loaded = loadSlaPolicy(dir);
  return `sla policy OK (${loaded.version}): ${loaded.file}`;
});
