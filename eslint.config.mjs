import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The offline Temporal server is its own workspace package with its own TypeScript project.
const devserverFiles = ['packages/temporal-devserver/**'];

// Import layers (README "Layout"). Imports point down: domain ← localization, tokens ← db ← activities ← workers;
// domain ← workflows ← workers; api → db, domain, localization, tokens and the workflows' definitions.
// Nothing imports api/ or workers/. Each folder gets exactly one no-restricted-imports entry (in flat config
// the last match wins), built from these lists; test/lint/boundaries.test.ts proves each rule with a fixture.
const PRODUCT = [
  'activities',
  'api',
  'catalog',
  'clock',
  'codec',
  'db',
  'devserver',
  'domain',
  'journeys',
  'localization',
  'tokens',
  'workers',
  'workflows',
];
const into = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const DEEP_TEMPORAL = {
  regex: '^@temporalio/[^/]+/lib(/|$)',
  message: "Import from the package's entry point; @temporalio/*/lib/* is private and moves between releases.",
};
// Temporal's workflow sandbox: no I/O, no Node built-ins, no client or worker APIs.
const SANDBOX = {
  group: [
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
  message: "Workflow and domain code runs in Temporal's deterministic sandbox: no I/O.",
};
const LAYERS = [
  {
    files: ['domain/**/*.ts'],
    patterns: [
      SANDBOX,
      { regex: '^\\.\\./', message: 'domain/ imports nothing outside domain/: it is the bottom layer.' },
    ],
  },
  {
    files: ['workflows/**/*.ts'],
    patterns: [
      SANDBOX,
      {
        regex: into(PRODUCT.filter((f) => !['domain', 'workflows', 'journeys', 'activities'].includes(f))),
        message: 'Workflows import only domain/, journeys/ and their own definitions (deterministic code).',
      },
      {
        regex: into(['activities']),
        allowTypeImports: true,
        message: 'Workflows call activities through proxies: import their types only (`import type`).',
      },
    ],
  },
  {
    // Journey helpers and examples run inside journey workflows: deterministic, beside workflows/.
    files: ['journeys/**/*.ts'],
    patterns: [
      SANDBOX,
      {
        regex: into(PRODUCT.filter((f) => !['domain', 'workflows', 'journeys'].includes(f))),
        message: 'journeys/ is workflow code: it imports only domain/ and workflows/ (search attributes).',
      },
    ],
  },
  {
    files: ['localization/**/*.ts', 'tokens/**/*.ts'],
    patterns: [
      {
        regex: into(PRODUCT.filter((f) => !['domain', 'localization', 'tokens'].includes(f))),
        message: 'localization/ and tokens/ are shared by the API and delivery: they import only domain/.',
      },
    ],
  },
  {
    files: ['clock/**/*.ts'],
    patterns: [
      {
        regex: into(PRODUCT.filter((f) => !['domain', 'clock'].includes(f))),
        message: 'clock/ (the one clock) imports only domain/ types.',
      },
    ],
  },
  {
    files: ['catalog/**/*.ts'],
    patterns: [
      {
        regex: into(PRODUCT.filter((f) => !['domain', 'localization'].includes(f))),
        message: 'catalog/ is data and its loader: it imports only domain/ and localization/.',
      },
    ],
  },
  {
    files: ['codec/**/*.ts'],
    patterns: [
      {
        regex: into(PRODUCT.filter((f) => !['domain', 'db', 'codec', 'clock'].includes(f))),
        message: 'codec/ (payload encryption) sits on db/ (per-user keys): it imports only domain/, db/ and clock/.',
      },
    ],
  },
  {
    files: ['db/**/*.ts'],
    patterns: [
      {
        regex: into(['activities', 'api', 'devserver', 'workers', 'workflows']),
        message: 'db/ sits below activities/ and api/: it imports domain/, localization/ and tokens/ only.',
      },
    ],
  },
  {
    files: ['activities/**/*.ts'],
    patterns: [{ regex: into(['api', 'devserver', 'workers']), message: 'Nothing imports api/ or workers/.' }],
  },
  {
    files: ['workers/**/*.ts'],
    patterns: [
      { regex: into(['api', 'devserver']), message: 'Nothing imports api/; the worker runs on any Temporal.' },
    ],
  },
  {
    files: ['api/**/*.ts'],
    patterns: [
      { regex: into(['devserver']), message: "The API never imports the offline server's internals." },
      {
        regex: into(['activities', 'workers']),
        message:
          'The API reaches activities and workers only through Temporal; shared code lives in localization/ or tokens/.',
      },
    ],
  },
  // Composition roots until they move (issue 18 item 4, and the offline server's own package):
  // api/start.ts and api/main.ts (npm start, role all) build the worker in-process, api/temporal-dev.ts starts
  // the offline server.
  {
    files: ['api/start.ts', 'api/main.ts'],
    patterns: [{ regex: into(['devserver']), message: "The API never imports the offline server's internals." }],
  },
  { files: ['api/temporal-dev.ts'], patterns: [] },
];

function layerRules() {
  return [
    // Everything else (bench/, test/, scripts): no deep Temporal imports.
    {
      files: ['**/*.ts'],
      ignores: devserverFiles,
      rules: { 'no-restricted-imports': ['error', { patterns: [DEEP_TEMPORAL] }] },
    },
    ...LAYERS.map(({ files, patterns }) => ({
      files,
      rules: { 'no-restricted-imports': ['error', { patterns: [DEEP_TEMPORAL, ...patterns] }] },
    })),
  ];
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'data/**',
      'test/fixtures/**',
      'coverage/**',
      'packages/temporal-ui/build/**',
      'packages/temporal-ui/.svelte-kit/**',
    ],
  },
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
      // With noUncheckedIndexedAccess the compiler asks whether a value is there: answer with narrowing, or with
      // nth()/present() (domain/present.ts), which throw a clear error, never with an unchecked `!`.
      '@typescript-eslint/no-non-null-assertion': 'error',
      // Ports (repositories, providers, activities) return promises; their in-memory and synchronous
      // implementations stay `async` so that a throw becomes a rejection, as callers expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Vitest's asymmetric matchers (`expect.any`, `expect.stringContaining`, ...) are typed `any`, and the
    // black-box HTTP tests read untyped JSON bodies whose shape `expect` checks: the unsafe-any rules would
    // flag every assertion. Product code keeps them.
    files: ['test/**/*.ts', 'packages/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // The Temporal UI app is a SvelteKit project (its types come from SvelteKit's generated tsconfig at build).
    files: ['**/*.mjs', 'packages/temporal-ui/**'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['packages/temporal-ui/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
  },
  {
    // The offline server's package has its own `!` (not yet replaced): its own change, not the product's.
    files: devserverFiles,
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  ...layerRules(),
  {
    // One clock (clock/): product code reads time from the Clock its composition root hands down, never from the
    // process directly, so a sandbox on a time-skipping Temporal server dates everything by the server's time.
    // Workflow code uses workflow time (its Date.now is the SDK's); tests and benches drive their own clocks.
    files: [
      'activities/**/*.ts',
      'api/**/*.ts',
      'catalog/**/*.ts',
      'codec/**/*.ts',
      'db/**/*.ts',
      'localization/**/*.ts',
      'sandbox/**/*.ts',
      'simulator/**/*.ts',
      'tokens/**/*.ts',
      'workers/**/*.ts',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Read the injected Clock (clock/); wallClock only for real-time deadlines and log lines.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the process clock: use new Date(clock()) with the injected Clock (clock/).',
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
