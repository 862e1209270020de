// Forgets accepted event ids once they are older than the idempotency window, so events_accepted stays bounded.
// Runs in the API role: at start, then every `intervalMs`. A failed run (database down) is logged and retried
// at the next tick.
import type { AcceptedEventRepository } from '../db/events-accepted';
import type { EpochMs } from '../domain/types';
import type { Logger } from './logger';
import { wallClock } from '../clock';
import { durationMs, subMs } from '../domain/units';

/** A repeat of an event id within this window is a duplicate; after it, the id is applied again. */
export const DEFAULT_EVENT_ID_RETENTION_MS = 72 * 3_600_000;
export const DEFAULT_PRUNE_INTERVAL_MS = 3_600_000;

export interface EventIdPruningOptions {
  acceptedEvents: Pick<AcceptedEventRepository, 'prune'>;
  logger: Logger;
  retentionMs?: number;
  intervalMs?: number;
  now?: () => EpochMs;
}

export interface EventIdPruning {
  /** One run now; resolves with the number of ids dropped (0 after a logged failure). */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startEventIdPruning(options: EventIdPruningOptions): EventIdPruning {
  const retentionMs = options.retentionMs ?? DEFAULT_EVENT_ID_RETENTION_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  const now = options.now ?? wallClock;
  let running: Promise<number> | undefined;

  const runOnce = (): Promise<number> =>
    (running ??= options.acceptedEvents
      .prune(subMs(now(), durationMs(retentionMs)))
      .then(
        (dropped) => {
          if (dropped > 0) options.logger.info({ dropped, retentionMs }, 'pruned accepted event ids');
          return dropped;
        },
        (error: unknown) => {
          options.logger.warn({ err: error }, 'pruning accepted event ids failed; retrying at the next interval');
          return 0;
        },
      )
      .finally(() => (running = undefined)));

  void runOnce();
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** TACT_EVENT_ID_RETENTION_HOURS: a positive number of hours; default 72. */
export function parseRetentionHours(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_EVENT_ID_RETENTION_MS;
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new Error(`TACT_EVENT_ID_RETENTION_HOURS must be a positive number of hours, got "${value}"`);
  }
  return hours * 3_600_000;
}
