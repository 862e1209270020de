import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The offline Temporal server and its tests have their own TypeScript projects and move to their own package;
// they are linted without type information until then.
const devserverFiles = [
  'devserver/**',
  'test/devserver/**',
  'test/devserver-visibility/**',
  'test/conformance/**',
  'test/load/**',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'test/fixtures/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly' },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // Ports (repositories, providers, activities) return promises; their in-memory and synchronous
      // implementations stay `async` so that a throw becomes a rejection, as callers expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Vitest's asymmetric matchers (`expect.any`, `expect.stringContaining`, ...) are typed `any`, and the
    // black-box HTTP tests read untyped JSON bodies whose shape `expect` checks: the unsafe-any rules would
    // flag every assertion. Product code keeps them.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.mjs', ...devserverFiles],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: devserverFiles,
    rules: { '@typescript-eslint/switch-exhaustiveness-check': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no wall clock, no randomness, no I/O.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'path',
            'http',
            'https',
            'net',
            'pg',
            'express',
            '@temporalio/activity',
            '@temporalio/client',
            '@temporalio/worker',
          ],
        },
      ],
    },
  },
  {
    // Domain code also runs in activities and plain tests, where the clock and randomness are real.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Not deterministic: use the SDK (workflow) or pass randomness in.',
        },
        { object: 'Date', property: 'now', message: 'Domain code takes `now` as an argument.' },
      ],
    },
  },
);
