// Compiles one project's src/ to <project>/dist/ (ESM, source maps), the `build` target of
// nx.json: `node tools/build/compile.mjs apps/routing`.
//
// SWC rather than esbuild: Nest's dependency injection reads the constructor parameter types that
// `emitDecoratorMetadata` records, which esbuild does not emit. SWC compiles file by file, like
// the Vitest plugin and @swc-node/register that run the sources, so what runs in production is
// compiled the same way as what the tests ran. Type errors are the `typecheck` target's job.
//
// dist/ mirrors src/ (src/main.ts → dist/main.js), so paths resolved against import.meta.url,
// such as `new URL('../config/policy', import.meta.url)`, point at the same files from both.
import { transformFile } from '@swc/core';
import { globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

const project = process.argv[2];
if (!project) {
  console.error('usage: node tools/build/compile.mjs <projectRoot>');
  process.exit(64);
}
const src = resolve(project, 'src');
const out = resolve(project, 'dist');
const config = JSON.parse(readFileSync(new URL('./swcrc.json', import.meta.url), 'utf8'));
delete config.$schema;

// Specs and test helpers never ship.
const isShipped = (file) =>
  !file.endsWith('.spec.ts') && !file.endsWith('.d.ts') && !/(^|\/)(test|bench)\//.test(file);
const files = globSync('**/*.ts', { cwd: src }).filter(isShipped).sort();

rmSync(out, { recursive: true, force: true });
const started = performance.now();
await Promise.all(
  files.map(async (file) => {
    const from = join(src, file);
    const to = join(out, file.replace(/\.ts$/, '.js'));
    const { code, map } = await transformFile(from, {
      ...config,
      swcrc: false,
      configFile: false,
      sourceMaps: true,
      // The map names the source relative to itself: dist/x/y.js.map → ../../src/x/y.ts.
      sourceFileName: relative(dirname(to), from),
    });
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, `${code}\n//# sourceMappingURL=${basename(to)}.map\n`);
    writeFileSync(`${to}.map`, map);
  }),
);
console.log(
  `${project}: ${files.length} files → ${relative(process.cwd(), out) || out} (${Math.round(performance.now() - started)} ms)`,
);
