import { configDefaults, defineConfig } from 'vitest/config';
import { DRILLS } from './test/drills';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...DRILLS],
    // Workflow tests start a Temporal server and bundle workflow code with webpack;
    // on a 2-core machine that wants generous limits and few files at once.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // CI also writes a JSON report, from which .ci/run prints its closing "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results.json' },
  },
});
