/**
 * Copies what a service's image runs, after `nx build <service>`, into a directory laid out like
 * the repository (docker/Dockerfile):
 *   node --import @swc-node/register/esm-register tools/build/stage.ts apps/routing /stage
 * For the service and each workspace it depends on in production: its package.json and dist/,
 * and config/ where there is one (an app's bundled sample policy). Nothing else: no sources,
 * specs, benchmarks or test libraries.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, productionClosure } from './workspaces.js';

const [root, out] = process.argv.slice(2);
if (!root || !out) {
  console.error('usage: stage.ts <projectRoot> <outDir>');
  process.exit(64);
}
const target = resolve(out);
for (const w of productionClosure(root)) {
  const from = join(ROOT, w.root);
  if (!existsSync(join(from, 'dist'))) {
    console.error(`${w.root}/dist is missing: run \`nx build\` for ${root} first`);
    process.exit(1);
  }
  mkdirSync(join(target, w.root), { recursive: true });
  cpSync(join(from, 'package.json'), join(target, w.root, 'package.json'));
  cpSync(join(from, 'dist'), join(target, w.root, 'dist'), { recursive: true });
  if (existsSync(join(from, 'config')))
    cpSync(join(from, 'config'), join(target, w.root, 'config'), { recursive: true });
  console.log(`${w.root} → ${join(out, w.root)}`);
}
