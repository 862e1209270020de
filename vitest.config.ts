import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The fault drills (vitest.drills.config.ts): each kills a real worker process (or stops a throwaway PostgreSQL cluster) and waits for the
 * product's own heartbeat and sticky-queue timeouts, about 3.5 minutes together. They run with `npm run
 * test:drills`, and CI (`.ci/run`) runs them after `npm test`, so every guarantee they prove is checked on each
 * landing while `npm test` stays near 10 minutes.
 */
export const DRILLS = [
  'test/faults/delivery-faults.test.ts',
  'test/campaigns/worker-kill.test.ts',
  'test/journeys/worker-restart.test.ts',
];

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
