import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sampleDir = fileURLToPath(new URL('../../config/policy', import.meta.url));

function validate(dir: string) {
  return spawnSync(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/routing/src/policy/validate.ts', dir],
    { encoding: 'utf8' },
  );
}

describe('the validate command (CI gate for sales-ops edits)', () => {
  it('passes the sample policy', () => {
    const run = validate(sampleDir);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^routing policy OK \(.+\): 8 reps, 4 pools, 1 managers, 5 rules/);
  });

  it('exits non-zero naming the file and the key path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routing-policy-'));
    writeFileSync(
      join(dir, 'roster.yaml'),
      readFileSync(join(sampleDir, 'roster.yaml'), 'utf8').replace('weight: 25', 'weight: -3'),
    );
    writeFileSync(join(dir, 'routing.yaml'), readFileSync(join(sampleDir, 'routing.yaml'), 'utf8'));
    const run = validate(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`invalid policy file ${join(dir, 'roster.yaml')}`);
    expect(run.stderr).toContain('reps.1.weight: Too small');
  });
});
