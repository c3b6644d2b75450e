import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '@baton/platform';
import { BUNDLED_POLICY_DIR, POLICY_FILE, SlaPolicySchema, loadSlaPolicy } from './policy.js';

describe('the sla policy', () => {
  it('loads the bundled sample, versioned by its content', () => {
    const loaded = loadSlaPolicy(BUNDLED_POLICY_DIR);
    expect(loaded.policy.lateAfterMinutes).toBe(15);
    expect(loaded.version).toMatch(/^1\+[0-9a-f]{12}$/);
  });

  it('names the file and the bad key', () => {
    const parse = () => parsePolicy(POLICY_FILE, "version: '1'\nlateAfterMinutes: -5\n", SlaPolicySchema);
    expect(parse).toThrow(PolicyError);
    expect(parse).toThrow(/sla\.yaml[\s\S]*lateAfterMinutes/);
  });
});
