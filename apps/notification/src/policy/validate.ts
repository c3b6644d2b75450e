import { runCommand } from '@baton/platform';
import { BUNDLED_POLICY_DIR, loadNotificationPolicy } from './policy.js';

/**
 * `npx nx run notification:validate [dir]`: checks the policy files of a directory (default:
 * BATON_POLICY_DIR, else the bundled sample). Exits 1 naming the file and every bad key.
 */
await runCommand(
  'notification.validate',
  () => {
    const loaded = loadNotificationPolicy(
      process.argv[2] ?? process.env.BATON_POLICY_DIR ?? BUNDLED_POLICY_DIR,
    );
    console.log(`notification policy OK (${loaded.version}): ${loaded.file}, ${loaded.templates.file}`);
    return Promise.resolve(0);
  },
  { policyErrorExit: 1 },
);
