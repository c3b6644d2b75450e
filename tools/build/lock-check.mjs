// Fails when package-lock.json is not what npm would write for the package.json files beside it
// (a dependency added to a workspace without updating the lock): `npm ci` still installs such a
// lock, but the next `npm install` rewrites it and a fresh clone turns dirty. Runs npm on copies
// in a temporary directory, so the working tree is never touched.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'baton-lock-'));
try {
  const manifests = ['package.json', 'package-lock.json', '.npmrc'];
  // Workspaces are `dir/*` or `dir` (no deeper globs), so this runs on any Node.
  for (const pattern of JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2))).map((d) => join(pattern.slice(0, -2), d))
      : [pattern];
    for (const dir of dirs)
      if (existsSync(join(root, dir, 'package.json'))) manifests.push(join(dir, 'package.json'));
  }
  for (const file of manifests) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    copyFileSync(join(root, file), join(scratch, file));
  }
  try {
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: scratch,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    console.error(String(err.stderr ?? err));
    throw err;
  }
  const committed = readFileSync(join(root, 'package-lock.json'), 'utf8');
  const expected = readFileSync(join(scratch, 'package-lock.json'), 'utf8');
  if (committed !== expected) {
    const a = committed.split('\n');
    const b = expected.split('\n');
    const first = a.findIndex((line, i) => line !== b[i]);
    console.error(
      `package-lock.json is out of step with the package.json files (first difference at line ${first + 1}):\n` +
        `  lock:     ${a[first]?.trim()}\n  expected: ${b[first]?.trim()}\n` +
        'run `npm install` and commit package-lock.json',
    );
    process.exitCode = 1;
  } else {
    console.log(`package-lock.json is in step with ${manifests.length - 2} package.json files`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
