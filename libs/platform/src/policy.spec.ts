import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PolicyError, loadPolicy, parsePolicy } from './policy.js';

const Schema = z.object({
  version: z.string(),
  threshold: z.number().int().min(1),
  rules: z.array(z.object({ id: z.string(), points: z.number() })),
});

describe('sales-ops policy files', () => {
  it('loads a valid file with a version that changes with its content', () => {
    const a = parsePolicy(
      'scoring.yaml',
      'version: "2026-q4"\nthreshold: 50\nrules: [{id: demo, points: 30}]\n',
      Schema,
    );
    const b = parsePolicy(
      'scoring.yaml',
      'version: "2026-q4"\nthreshold: 55\nrules: [{id: demo, points: 30}]\n',
      Schema,
    );
    expect(a.policy.threshold).toBe(50);
    expect(a.version).toMatch(/^2026-q4\+[0-9a-f]{12}$/);
    expect(a.version).not.toBe(b.version);
  });

  it('names the file and the path of each bad key', () => {
    try {
      parsePolicy('scoring.yaml', 'version: x\nthreshold: 0\nrules: [{id: demo, points: lots}]\n', Schema);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      expect((err as PolicyError).message).toContain('scoring.yaml');
      expect((err as PolicyError).problems.join('\n')).toMatch(/threshold: .*/);
      expect((err as PolicyError).problems.join('\n')).toMatch(/rules\.0\.points: .*/);
    }
  });

  it('reports YAML syntax errors, duplicate keys and unreadable files', () => {
    expect(() => parsePolicy('a.yaml', 'threshold: [1,\n', Schema)).toThrow(/a\.yaml[\s\S]*YAML/);
    expect(() => parsePolicy('a.yaml', 'threshold: 1\nthreshold: 2\n', Schema)).toThrow(/YAML/);
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    expect(() => loadPolicy(dir, 'missing.yaml', Schema)).toThrow(/missing\.yaml[\s\S]*cannot read/);
    writeFileSync(join(dir, 'ok.yaml'), 'version: v1\nthreshold: 10\nrules: []\n');
    expect(loadPolicy(dir, 'ok.yaml', Schema).policy.rules).toEqual([]);
  });
});
