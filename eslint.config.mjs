// Lint: type-aware rules that catch lost promises and non-exhaustive switches,
// and Nx module boundaries so an app cannot reach into another app or a lib into an app.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.nx/**',
      'tmp/**',
      '**/*.mjs',
      '**/*.cjs',
      '**/vitest.config.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'type:infra',
              onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:testing'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:testing'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:feature', 'type:testing'],
            },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:testing'],
            },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
    },
  },
  {
    // Test utilities and fakes may be imported by tests only (the Nx tags above allow the
    // project edge, this keeps it out of production code).
    files: ['**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/test/**',
      '**/bench/**',
      'libs/testing/**',
      'libs/service-testing/**',
      'libs/crm-sandbox/**',
      'tools/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@baton/testing',
                '@baton/service-testing',
                '@baton/crm-sandbox',
                '@baton/chat-sandbox',
              ],
              message: 'test utilities are for tests only',
            },
          ],
        },
      ],
    },
  },
  {
    // Handlers in tests are often async only to satisfy a Promise-returning signature.
    files: [
      '**/*.spec.ts',
      '**/test/**/*.ts',
      'libs/testing/**/*.ts',
      'libs/service-testing/**/*.ts',
      'tools/**/*.ts',
      '**/bench/**/*.ts',
    ],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/require-await': 'off' },
  },
  prettier,
);
