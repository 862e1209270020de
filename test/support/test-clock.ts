import { asyncLocalStorage } from '@temporalio/activity';
import type { EpochMs } from '../../domain/types';
import { utc } from './instants';
import { wallClock } from '../../clock';
import { epochMs } from '../../domain/units';

// The instant every time-skipping workflow test starts from, so no test depends on the real date, weekday,
// time of day or DST state. A time-skipping server can only move its clock forward, so the instant lies far
// ahead of any real date, yet before 2100, past which the API refuses client times: a Wednesday in January
// (a weekday, months away from any DST change in either hemisphere), 09:00 UTC. A test that needs another shape
// (a weekend, a clock change) moves on from here.
export const TEST_START_MS = utc(2099, 0, 7, 9, 0);

/**
 * The clock for production activities run on a time-skipping server: inside an activity, the server's (skipped)
 * time its attempt was scheduled at; elsewhere (start-up, template refresh) the real one. Without it an activity
 * would judge quiet hours and the send time by the real date while the workflow plans by the skipped one.
 */
export function activityClock(): EpochMs {
  const context = asyncLocalStorage.getStore();
  return context === undefined ? wallClock() : epochMs(context.info.currentAttemptScheduledTimestampMs);
}
