import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, startSalesforceSandbox } from '@baton/crm-sandbox';
import { hubspotVars } from '../test/hubspot.js';
import { salesforceVars } from '../test/salesforce.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const BUNDLED = fileURLToPath(new URL('../config/policy', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'crm-cli-'));
/** Not the repository root, from which a relative policy path would happen to resolve. */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The command line in its own process (asynchronous: the CRM fakes answer from this one). */
function cli(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  const { BATON_POLICY_DIR: _dir, CRM_PROVIDER: _provider, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', CLI, ...args], {
    env: { ...inherited, ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise<{ status: number | null; out: string }>((resolve) =>
    child.on('exit', (status) => resolve({ status, out })),
  );
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (closers.length) await closers.pop()!();
});

describe('crm-connector command line', () => {
  it('validates the bundled policy whatever the working directory, and names a broken key (exit 78)', async () => {
    const ok = await cli(['validate'], {}, APP_DIR);
    expect(ok.status, ok.out).toBe(0);
    expect(ok.out).toContain(`ok ${join(BUNDLED, 'mapping.hubspot.yaml')}`);
    expect(ok.out).toContain(`ok ${join(BUNDLED, 'mapping.salesforce.yaml')}`);
    expect(ok.out).toMatch(/ok .*signals\.yaml \(version .*, \d+ rules\)/);

    const broken = join(scratch, 'broken');
    cpSync(BUNDLED, broken, { recursive: true });
    const file = join(broken, 'mapping.salesforce.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^provider: salesforce$/m, 'provider: pipedrive'));
    const bad = await cli(['validate', broken]);
    expect(bad.status).toBe(78);
    expect(bad.out).toContain(file);
    expect(bad.out).toContain('provider');
  });

  it('answers usage with 64 and a missing setting with 78', async () => {
    expect((await cli(['frobnicate'])).status).toBe(64);
    const unset = await cli(['provision']);
    expect(unset.status).toBe(78);
    expect(unset.out).toContain('CRM_PROVIDER');
  });

  it("provisions Baton's HubSpot properties (exit 0), and reports what a Salesforce org lacks (exit 2)", async () => {
    const hubspot = await startHubSpotSandbox();
    closers.push(() => hubspot.close());
    const hs = await cli(['provision'], hubspotVars(hubspot, { HUBSPOT_CLIENT_SECRET: 's' }));
    expect(hs.status, hs.out).toBe(0);
    expect(hs.out).toContain('"created": [');
    expect([...hubspot.properties.keys()]).toEqual(
      expect.arrayContaining(['baton_score', 'baton_handoff_summary', 'baton_disqualification_reason']),
    );

    const org = await startSalesforceSandbox({});
    closers.push(() => org.close());
    const sf = await cli(['provision'], salesforceVars(org));
    expect(sf.status, sf.out).toBe(2);
    expect(sf.out).toContain('Baton_Score__c: field not found on Lead');
  });
});
