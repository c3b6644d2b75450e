import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { POLICY_FILE } from '../test/fixtures.js';
import { cleanup, scoringEnv, startScoring } from '../test/harness.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scoring-cli-'));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', '@swc-node/register/esm-register', CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

const env = scoringEnv('cli');
afterAll(() => cleanup(env));

describe('scoring command line', () => {
  it('validates the shipped policy, and rejects a broken one naming the file and the key path', () => {
    const ok = cli(['validate', POLICY_FILE]);
    expect(ok.status, ok.out).toBe(0);
    expect(ok.out).toContain('valid (version 2026.11+');

    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      readFileSync(POLICY_FILE, 'utf8').replace('kind: demo_requested', 'kind: demo_request'),
    );
    const bad = cli(['validate', broken]);
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain(broken);
    expect(bad.out).toContain('engagementRules.0.kind: Invalid option');

    const inverted = join(dir, 'inverted.yaml');
    writeFileSync(
      inverted,
      readFileSync(POLICY_FILE, 'utf8')
        .replace('mql: 25', 'mql: 60')
        .replace('label: Started a trial\n    group: intent', 'label: Started a trial\n    group: intnet'),
    );
    const worse = cli(['validate', inverted]);
    expect(worse.status).not.toBe(0);
    expect(worse.out).toContain('thresholds.mql: must be below thresholds.sql');
    expect(worse.out).toContain('engagementRules.4.group: unknown group "intnet"');
  });

  it('prints the score review and a backtest for a period from the service schema', async () => {
    const service = await startScoring(env, { consume: false });
    await service.stop();
    const dbEnv = { DATABASE_URL: env.DATABASE_URL, DATABASE_SCHEMA: env.DATABASE_SCHEMA! };
    const review = cli(['review', '--from', '2026-01-01', '--to', '2027-01-01'], dbEnv);
    expect(review.status, review.out).toBe(0);
    expect(review.out).toContain('Score review 2026-01-01 .. 2027-01-01: 0 leads');
    const backtest = cli(
      ['backtest', POLICY_FILE, '--from', '2026-01-01', '--to', '2027-01-01', '--json'],
      dbEnv,
    );
    expect(backtest.status, backtest.out).toBe(0);
    expect(JSON.parse(backtest.out)).toMatchObject({
      current: { leads: 0, sqls: 0 },
      candidate: { leads: 0, sqls: 0 },
    });
    expect(cli(['review'], dbEnv).status).toBe(78);
  });
});
