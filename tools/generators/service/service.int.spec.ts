import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, globSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, importedPackages, workspaces } from '../../build/workspaces.js';

/**
 * Generates a real service with `nx g @baton/tools:service` and runs its lint, typecheck, build,
 * policy check and specs, as a developer would right after generating it.
 *
 * Where: tmp/gen-<random>/apps/notification, inside the workspace (so @baton/* and the root
 * configs resolve as they do for apps/) but under tmp/, which git, Nx, npm workspaces, the root
 * vitest config and every scan of apps/* (tools/build, the Kubernetes check) leave alone: the
 * engineers and CI working in this tree never see a half-made project, and nothing collides with
 * a real apps/notification. It is named `notification` because the contract registry lists that
 * service as a consumer (of lead.assigned.v1, the default topic); --projectName keeps its Nx and
 * package names unique. ESLint's ignore of tmp/ is lifted (--no-ignore); Nx's module-boundary
 * rule only judges projects of the Nx graph, which tmp/ is not in, so the test applies the rule's
 * constraint for type:app (read from eslint.config.mjs) to the generated imports itself. The
 * directory is removed after the run, passed or failed.
 */
const run = promisify(execFile);
const id = randomBytes(4).toString('hex');
const TMP = `tmp/gen-${id}`;
const notification = `${TMP}/apps/notification`;

// The runner's own variables would make the inner vitest think it is a worker of this one.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST'),
);
Object.assign(env, {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
});

/** A command of the workspace on this Node (24); its output, or an error carrying it. */
async function sh(args: string[], timeout = 120_000): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: ROOT,
      env,
      timeout,
      maxBuffer: 32 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
const bin = (tool: string) => join(ROOT, 'node_modules', '.bin', tool);

beforeAll(async () => {
  await sh([
    bin('nx'),
    'g',
    '@baton/tools:service',
    'notification',
    `--directory=${notification}`,
    `--projectName=gen-notification-${id}`,
    '--no-interactive',
  ]);
}, 120_000);

afterAll(() => {
  rmSync(join(ROOT, TMP), { recursive: true, force: true });
});

describe('a generated service', () => {
  it('passes lint (type-aware rules) and typecheck', async () => {
    await Promise.all([
      sh([bin('eslint'), '--no-ignore', '--max-warnings=0', notification]),
      sh([bin('tsc'), '--noEmit', '-p', `${notification}/tsconfig.json`]),
    ]);
  }, 180_000);

  it('declares every package its shipped code imports (its image installs only those)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, notification, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect([...importedPackages(notification).keys()].filter((name) => !(name in pkg.dependencies))).toEqual(
      [],
    );
  });

  it('imports only libraries that the module boundaries allow an app', async () => {
    const config = (await import(join(ROOT, 'eslint.config.mjs'))) as {
      default: { rules?: Record<string, unknown> }[];
    };
    const rule = config.default.find((c) => c.rules?.['@nx/enforce-module-boundaries'])!.rules![
      '@nx/enforce-module-boundaries'
    ] as [string, { depConstraints: { sourceTag: string; onlyDependOnLibsWithTags: string[] }[] }];
    const allowed = rule[1].depConstraints.find((c) => c.sourceTag === 'type:app')!.onlyDependOnLibsWithTags;
    const tagsOf = new Map(
      workspaces().map((w) => [
        w.name,
        (JSON.parse(readFileSync(join(ROOT, w.root, 'project.json'), 'utf8')) as { tags: string[] }).tags,
      ]),
    );
    const libs = new Set<string>();
    for (const file of globSync('{src,test}/**/*.ts', { cwd: join(ROOT, notification) })) {
      const text = readFileSync(join(ROOT, notification, file), 'utf8');
      for (const [, lib] of text.matchAll(/from '(@baton\/[a-z-]+)'/g)) libs.add(lib);
    }
    expect([...libs]).toContain('@baton/platform');
    expect([...libs].filter((lib) => !(tagsOf.get(lib) ?? []).some((t) => allowed.includes(t)))).toEqual([]);
  });

  it('builds to dist/, and its validate target accepts the bundled policy', async () => {
    await sh([join(ROOT, 'tools/build/compile.mjs'), notification]);
    expect(existsSync(join(ROOT, notification, 'dist/main.js'))).toBe(true);
    const out = await sh([
      '--import',
      '@swc-node/register/esm-register',
      `${notification}/src/policy/validate.ts`,
    ]);
    expect(out).toMatch(/notification policy OK \(1\+[0-9a-f]{12}\)/);
  }, 60_000);

  it('passes its own unit and integration specs on the real broker and Postgres', async () => {
    // The root config's include (apps/**) reached from the temporary root; its own reporter only
    // (under CI the config adds a JSON report, which is the outer run's).
    const out = await sh([bin('vitest'), 'run', '--reporter=default', '--dir', TMP, notification], 150_000);
    expect(out).toMatch(/Test Files\s+3 passed \(3\)/);
    expect(out).toMatch(/Tests\s+8 passed \(8\)/);
  }, 180_000);
});
