// Times reported by clients (`occurredAt` of an event, `at` of a receipt) feed the user's engagement model, where
// one far-future time would decay every other count to nothing. A client clock a little ahead is normal: such a
// time is clamped to the server's. Further ahead is a client bug, rejected with 400 naming the field.
import type { EpochMs } from '../domain/types';
import { validationProblem, type FieldError } from './problem';
import { minOf } from '../domain/units';

export const MAX_CLIENT_CLOCK_AHEAD_MS = 5 * 60_000;

export const CLIENT_TIME_RULE =
  `At most ${MAX_CLIENT_CLOCK_AHEAD_MS / 60_000} minutes after the server's clock (a later time within that is ` +
  'taken as the server time); further in the future is rejected with 400.';

/** The time to store: `reported` (or `now` when absent), never after `now`. Null when it is too far ahead. */
export function clampClientTime(reported: EpochMs | undefined, now: EpochMs): EpochMs | null {
  if (reported === undefined) return now;
  if (reported > now + MAX_CLIENT_CLOCK_AHEAD_MS) return null;
  return minOf(reported, now);
}

export function futureTimeError(field: string): FieldError {
  return {
    in: 'body',
    field,
    message: `must not be more than ${MAX_CLIENT_CLOCK_AHEAD_MS / 60_000} minutes in the future`,
  };
}

/** clampClientTime, or the 400 naming `field`. */
export function clientTimeOr400(reported: EpochMs | undefined, now: EpochMs, field: string): EpochMs {
  const time = clampClientTime(reported, now);
  if (time === null) throw validationProblem([futureTimeError(field)]);
  return time;
}
