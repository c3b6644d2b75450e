import { validatePolicyCommand } from '@baton/platform';
import { BUNDLED_POLICY_DIR, loadNotificationPolicy } from './policy.js';

/**
 * `npx nx run notification:validate [dir]`: checks the policy files of a directory (default:
 * BATON_POLICY_DIR, else the bundled sample). Exits 1 naming the file and every bad key.
 */
await validatePolicyCommand('notification', BUNDLED_POLICY_DIR, (dir) => {
  const loaded = loadNotificationPolicy(dir);
  return `notification policy OK (${loaded.version}): ${loaded.file}, ${loaded.templates.file}`;
});
