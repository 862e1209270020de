// The product's one clock (docs/product.md §15 "One clock"). Everything outside workflow code that decides or records
// a time (API defaults and checks, activities' send times, the outbox, the ledger, the decision log, key expiry, CLIs)
// reads a `Clock` handed down from its composition root: the wall clock in production, the Temporal server's
// time-skipping clock in a sandbox (`npm run sandbox`) or a time-skipping test. Workflow code keeps using workflow
// time. This is the only file allowed to read `Date.now` (eslint.config.mjs).
import { asyncLocalStorage } from '@temporalio/activity';
import type { EpochMs } from '../domain/types';
import { epochMs } from '../domain/units';

export type Clock = () => EpochMs;

/** Real time: production's clock, and the one for real-time deadlines (request timeouts, waits) everywhere. */
export const wallClock: Clock = () => epochMs(Date.now());

export interface ServerClock {
  /** The server's time: its last reading moved on by the real time since (the server's clock runs at real speed). */
  now: Clock;
  /** Reads the server's time again; call after anything that may have skipped it (a time-skipping sleep). */
  sync(): Promise<void>;
  /** Stops the periodic re-reading. */
  stop(): void;
}

/**
 * A clock that follows a Temporal server's (possibly time-skipping) clock, e.g. `() => env.currentTimeMs()` or the
 * test service's `getCurrentTime`. It is re-read every `refreshMs` and on `sync()`; inside an activity it also
 * takes the attempt's scheduled time (the server's time when it was scheduled), so an activity never dates
 * something before the server scheduled it even if the clock skipped since the last reading. It never goes back.
 */
export async function followServerClock(
  readServerTime: () => Promise<number>,
  options: { refreshMs?: number } = {},
): Promise<ServerClock> {
  // Server time = real time + offset; time skipping only ever grows the offset.
  let offset = 0;
  const sync = async (): Promise<void> => {
    const server = await readServerTime();
    // Measured after the reading arrived, so the clock never runs ahead of the server (it may lag by the round trip).
    offset = Math.max(offset, server - Date.now());
  };
  await sync();
  const refreshMs = options.refreshMs ?? 250;
  const timer = setInterval(() => {
    sync().catch(() => undefined); // a missed reading is made up by the next one or by an activity's own time
  }, refreshMs);
  timer.unref();
  const now: Clock = () => {
    const real = Date.now();
    const activity = asyncLocalStorage.getStore();
    if (activity !== undefined) offset = Math.max(offset, activity.info.currentAttemptScheduledTimestampMs - real);
    return epochMs(real + offset);
  };
  return { now, sync, stop: () => clearInterval(timer) };
}
