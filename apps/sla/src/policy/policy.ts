import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadPolicy, type LoadedPolicy } from '@baton/platform';

/** The sample policy shipped with the service (used when BATON_POLICY_DIR is not set). */
export const BUNDLED_POLICY_DIR = fileURLToPath(new URL('../../config/policy', import.meta.url));
export const POLICY_FILE = 'sla.yaml';

export const SlaPolicySchema = z.object({
  version: z.string().min(1),
  lateAfterMinutes: z.number().int().positive(),
});
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;

/** Reads and validates sla.yaml; a PolicyError names the file and every bad key. */
export function loadSlaPolicy(dir: string): LoadedPolicy<SlaPolicy> {
  return loadPolicy(dir, POLICY_FILE, SlaPolicySchema);
}
