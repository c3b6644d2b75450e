/**
 * The npm workspaces (apps/*, libs/*) as the build and the image see them: what a service ships
 * and which production packages that code needs.
 */
import { globSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Workspace {
  /** npm name, e.g. @baton/routing */
  name: string;
  /** path from the repository root, e.g. apps/routing */
  root: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export function workspaces(): Workspace[] {
  return ['apps', 'libs'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => existsSync(join(ROOT, dir, name, 'package.json')))
      .sort()
      .map((name) => {
        const pkg = JSON.parse(readFileSync(join(ROOT, dir, name, 'package.json'), 'utf8')) as {
          name: string;
          dependencies?: Record<string, string>;
          devDependencies?: Record<string, string>;
        };
        return {
          name: pkg.name,
          root: `${dir}/${name}`,
          dependencies: pkg.dependencies ?? {},
          devDependencies: pkg.devDependencies ?? {},
        };
      }),
  );
}

/**
 * A workspace and every workspace it needs in production (`dependencies`, transitively), in
 * dependency order: what an image of it holds.
 */
export function productionClosure(root: string, all = workspaces()): Workspace[] {
  const byName = new Map(all.map((w) => [w.name, w]));
  const start = all.find((w) => w.root === root);
  if (!start) throw new Error(`no workspace at ${root}`);
  const seen: Workspace[] = [];
  const visit = (w: Workspace) => {
    if (seen.includes(w)) return;
    for (const dep of Object.keys(w.dependencies)) {
      const inner = byName.get(dep);
      if (inner) visit(inner);
    }
    seen.push(w);
  };
  visit(start);
  return seen;
}

/** Whether a file under src/ is compiled into dist/ (tools/build/compile.mjs applies the same rule). */
export const isShipped = (file: string) =>
  file.endsWith('.ts') &&
  !file.endsWith('.spec.ts') &&
  !file.endsWith('.d.ts') &&
  !/(^|\/)(test|bench)\//.test(file);

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * The packages a workspace's shipped code loads (`import`, `import()`, `require()`), by package
 * name; type-only imports are left out, since they are erased.
 */
export function importedPackages(root: string): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const src = join(ROOT, root, 'src');
  for (const file of globSync('**/*.ts', { cwd: src }).filter(isShipped).sort()) {
    const text = readFileSync(join(src, file), 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      if (/^(?:import|export)\s+type\s/.test(m[0].trim())) continue;
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      used.set(name, [...(used.get(name) ?? []), `${root}/src/${file}`]);
    }
  }
  return used;
}
