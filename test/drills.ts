/**
 * The fault drills: each kills a real worker process (or stops a throwaway PostgreSQL cluster) and waits for the
 * product's own heartbeat and sticky-queue timeouts. They run with `npm run test:drills` (vitest.drills.config.ts),
 * not in `npm test` (vitest.config.ts leaves them out), and CI (`.ci/run`) runs them after `npm test`, so every
 * guarantee they prove is checked on each landing.
 */
export const DRILLS = [
  'test/faults/delivery-faults.test.ts',
  'test/campaigns/worker-kill.test.ts',
  'test/journeys/worker-restart.test.ts',
];
