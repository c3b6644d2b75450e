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

// Two projects: unit specs (*.spec.ts) start nothing and need no broker or database;
// integration specs (*.int.spec.ts) run against the real Kafka broker and Postgres started by
// tools/infra.sh (the global setup checks they answer, and removes the topics the run created).
// `vitest run --project unit` runs the unit specs alone.
const shared = {
  // `vitest run --dir <folder>` scans that folder (the generator's test runs a generated service's
  // specs this way); projects do not inherit the option, so it is passed on here.
  dir: dirArgument(),
  exclude: ['**/node_modules/**', '**/dist/**'],
  env: { TZ: 'UTC' },
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

function dirArgument(): string | undefined {
  const i = process.argv.indexOf('--dir');
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022' } }), sourcesOnly],
  test: {
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'reports/vitest.json' }]] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: 'unit',
          include: ['{apps,libs,tools}/**/*.spec.ts'],
          exclude: [...shared.exclude, '**/*.int.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'integration',
          include: ['{apps,libs,tools}/**/*.int.spec.ts'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
        },
      },
    ],
  },
});
