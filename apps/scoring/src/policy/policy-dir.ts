import { fileURLToPath } from 'node:url';

/** The sample policy shipped with the service, used when BATON_POLICY_DIR is not set. */
export const BUNDLED_POLICY_DIR = fileURLToPath(new URL('../../config/policy', import.meta.url));

export function policyDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BATON_POLICY_DIR ?? BUNDLED_POLICY_DIR;
}
