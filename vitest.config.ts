import swc from 'unplugin-swc';
import { defineConfig, type Plugin } from 'vitest/config';

// Tests run the libraries' sources (their `default` export condition), never a dist/ left by a
// build: under NODE_ENV=production, Vite and Vitest would add the `production` condition, which
// the libraries' package.json map to dist/.
const sourcesOnly: Plugin = {
  name: 'baton:test-the-sources',
  enforce: 'post',
  configEnvironment(_name, config) {
    config.resolve ??= {};
    config.resolve.conditions = (config.resolve.conditions ?? [])
      .filter((c) => c !== 'production')
      .map((c) => (c === 'development|production' ? 'development' : c));
  },
};

// One config for the whole repo: unit specs (*.spec.ts) and integration specs
// (*.int.spec.ts) against the real Kafka broker and Postgres started by tools/infra.sh.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022' } }), sourcesOnly],
  test: {
    include: ['{apps,libs,tools}/**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['libs/testing/src/global-setup.ts'],
    env: { TZ: 'UTC' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'reports/vitest.json' }]] : ['default'],
  },
});
