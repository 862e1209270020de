// The dispatcher (docs/ingestion.md): hands what the API accepted (db/ingest-queue.ts) to the user workflows. It leases
// due users' rows, signals each user's rows in order (users in parallel, bounded), marks them delivered, and backs off
// per user on failure (the user's later rows wait behind the failed one: order is kept). Several dispatchers may run
// (one per worker process): a leased user belongs to one until its lease ends. A crash between a signal and its
// "delivered" mark re-sends the row after the lease: the workflow drops event and candidate ids it has seen.
import { wallClock } from '../../clock';
import type { VersionedPreferencesReader } from '../../activities/user-settings';
import type { IngestQueueRepository, LeasedItem } from '../../db/ingest-queue';
import type { EpochMs, UserProfile } from '../../domain/types';
import type { CandidatesProposal, UserEventSignal } from '../../workflows/definitions';
import type { UserSignals } from './signals';
import { nth } from '../../domain/present';
import { addMs, durationMs } from '../../domain/units';

export interface DispatcherOptions {
  queue: IngestQueueRepository;
  /** Profile and preference rows are re-read when dispatched: the latest stored value is what the workflow gets. */
  settings: { users: { get(id: string): Promise<UserProfile | null> }; preferences: VersionedPreferencesReader };
  signals: UserSignals;
  now?: () => EpochMs;
  /** Users signalled at once (back-pressure on Temporal); default 32. */
  concurrency?: number;
  /** Users and rows leased per pass; default 256 and 2,000. */
  batchUsers?: number;
  batchRows?: number;
  /** Idle poll interval; `wake()` starts a pass at once. Default 250 ms. */
  pollMs?: number;
  /** How long a pass owns its users; default 60 s (a dead dispatcher's users are taken over after it). */
  leaseMs?: number;
  /** Per-user retry backoff: first delay and cap; default 500 ms doubling to 60 s. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  log?: (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string | number | boolean>) => void;
}

export interface DispatcherStats {
  delivered: number;
  failures: number;
  passes: number;
}

export interface Dispatcher {
  /** Starts a pass now (the API of the same process calls it after accepting work). */
  wake(): void;
  /** Runs passes until nothing is due; resolves with how many rows were delivered. For tests and tools. */
  drain(): Promise<number>;
  readonly stats: DispatcherStats;
  /** Finishes the running pass and stops. */
  stop(): Promise<void>;
}

export function createDispatcher(options: DispatcherOptions, run = true): Dispatcher {
  // Leases are set and compared by dispatchers alone: real time, whatever clock the product decides on.
  const now = options.now ?? wallClock;
  const concurrency = options.concurrency ?? 32;
  const leaseMs = options.leaseMs ?? 60_000;
  const retryInitialMs = options.retryInitialMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const log = options.log ?? (() => undefined);
  const stats: DispatcherStats = { delivered: 0, failures: 0, passes: 0 };
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  let running: Promise<number> | undefined;

  async function deliver(item: LeasedItem): Promise<string | null> {
    const { signals } = options;
    let runId: string | void;
    switch (item.kind) {
      case 'event':
        runId = await signals.sendEvent(item.payload as UserEventSignal);
        break;
      case 'candidates':
        runId = await signals.proposeCandidates(item.userId, item.payload as CandidatesProposal);
        break;
      case 'profile': {
        const user = await options.settings.users.get(item.userId);
        if (user === null) return null; // erased meanwhile: nothing to tell
        runId = await signals.updateProfile(item.userId, { timeZone: user.timeZone, locale: user.locale });
        break;
      }
      case 'preferences': {
        const stored = await options.settings.preferences.getVersioned(item.userId);
        if (stored === null) return null;
        runId = await signals.updatePreferences(item.userId, stored.preferences, stored.version);
        break;
      }
      case 'devices':
        runId = await signals.devicesChanged(item.userId, (item.payload as { at: EpochMs }).at);
        break;
    }
    return typeof runId === 'string' ? runId : null;
  }

  /** One user's leased rows, in order; stops at the first failure and releases the rest behind it. */
  async function deliverUser(items: LeasedItem[], leaseEnd: EpochMs, done: { seq: number; runId: string | null }[]) {
    for (let index = 0; index < items.length; index += 1) {
      const item = nth(items, index);
      // Past the lease another dispatcher may own the user: hand the rest back rather than race it.
      if (stopped || now() > leaseEnd - 5_000) {
        await options.queue.release(items.slice(index).map((i) => i.seq));
        return;
      }
      try {
        done.push({ seq: item.seq, runId: await deliver(item) });
      } catch (error) {
        stats.failures += 1;
        const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(20, item.attempts - 1));
        const message = error instanceof Error ? nth(error.message.split('\n'), 0) : String(error);
        log('warn', 'dispatch.retry', {
          kind: item.kind,
          seq: item.seq,
          attempts: item.attempts,
          delayMs: delay,
          error: message,
        });
        await options.queue.release(
          items.slice(index).map((i) => i.seq),
          { seq: item.seq, error: message, retryAt: addMs(now(), durationMs(delay)) },
        );
        return;
      }
    }
  }

  async function pass(): Promise<number> {
    stats.passes += 1;
    const started = now();
    const leased = await options.queue.lease({
      now: started,
      leaseMs,
      users: options.batchUsers ?? 256,
      rows: options.batchRows ?? 2_000,
    });
    if (leased.length === 0) return 0;
    const byUser = new Map<string, LeasedItem[]>();
    for (const item of leased) {
      const list = byUser.get(item.userId);
      if (list) list.push(item);
      else byUser.set(item.userId, [item]);
    }
    const users = [...byUser.values()];
    const done: { seq: number; runId: string | null }[] = [];
    let next = 0;
    const lane = async () => {
      while (next < users.length) await deliverUser(nth(users, next++), addMs(started, durationMs(leaseMs)), done);
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, lane));
    } finally {
      await options.queue.markDelivered(done, now());
    }
    stats.delivered += done.length;
    return done.length;
  }

  let failures = 0;
  async function loop(): Promise<number> {
    let total = 0;
    while (!stopped) {
      let delivered = 0;
      try {
        delivered = await pass();
        failures = 0;
      } catch (error) {
        // The database is unreachable (or the pass failed): nothing is lost, the rows stay queued.
        failures += 1;
        log('warn', 'dispatch.failed', { error: error instanceof Error ? error.message : String(error) });
      }
      total += delivered;
      if (delivered > 0) continue;
      if (!run) return total;
      const idle = failures > 0 ? Math.min(30_000, pollMs * 2 ** failures) : pollMs;
      if (!woken)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idle);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      woken = false;
      wakeUp = undefined;
    }
    return total;
  }

  if (run) running = loop();

  return {
    stats,
    wake() {
      woken = true;
      wakeUp?.();
    },
    async drain() {
      if (run) throw new Error('drain() is for a dispatcher created with run = false');
      return loop();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await running;
    },
  };
}
