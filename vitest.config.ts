import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// One config for the whole repo: unit specs (*.spec.ts) and integration specs
// (*.int.spec.ts) against the real Kafka broker and Postgres started by tools/infra.sh.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022' } })],
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
