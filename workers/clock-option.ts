// Which clock the worker process dates things by (docs/product.md §15 "One clock"). Production: the wall clock.
// TACT_CLOCK=activity-schedule is for tests that run the real worker process on a time-skipping test server: each
// activity then dates what it does by the server's time its attempt was scheduled at (as the in-process test harness
// does with `serverClock`), so it judges quiet hours and dates sends by the time its workflows plan by, not by today.
import { asyncLocalStorage } from '@temporalio/activity';
import { wallClock, type Clock } from '../clock';
import { epochMs } from '../domain/units';

const activityScheduleClock: Clock = () => {
  const scheduled = asyncLocalStorage.getStore()?.info.currentAttemptScheduledTimestampMs;
  return scheduled === undefined ? wallClock() : epochMs(scheduled);
};

export function workerClock(env: NodeJS.ProcessEnv): Clock {
  const choice = env.TACT_CLOCK?.trim() || 'wall';
  if (choice === 'wall') return wallClock;
  if (choice === 'activity-schedule') return activityScheduleClock;
  throw new Error(`TACT_CLOCK must be wall (default) or activity-schedule, not "${choice}"`);
}
