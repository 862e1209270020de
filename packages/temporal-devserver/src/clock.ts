// The one clock behind every event time, timer and timeout. With time skipping on (TestService), it
// starts locked; while unlocked and the server is idle it jumps straight to the next due timer, so
// workflow code sees the skipped time through its event times.
import { failedPrecondition } from './errors';

export interface ClockTimer {
  cancel(): void;
}

interface Entry {
  at: number;
  seq: number;
  fire: () => void;
  /** Fired or cancelled: no longer in `entries`. */
  done: boolean;
}

const MAX_REAL_DELAY_MS = 2_147_483_647;
/** Replaces a fired or cancelled timer's callback so a handle kept by its owner retains nothing it captured. */
const RELEASED = (): void => {};

export class Clock {
  /** How far (ms) time skipping has moved this clock ahead of real time; kept across restarts by the store. */
  offset = 0;
  private locks: number;
  private seq = 0;
  /** Pending timers sorted by (at, seq); a fired or cancelled timer leaves at once. */
  private entries: Entry[] = [];
  private realTimer: NodeJS.Timeout | undefined;
  private realTimerAt = Infinity;
  private skipCheckQueued = false;
  private stopped = false;

  constructor(
    readonly timeSkipping: boolean,
    private readonly isIdle: () => boolean,
    private readonly onError: (err: unknown) => void,
    /** Runs after a batch of timers fired (the engine writes what they changed). */
    private readonly afterFire: () => void = () => {},
  ) {
    this.locks = timeSkipping ? 1 : 0;
  }

  now(): number {
    return Date.now() + this.offset;
  }

  /** Runs `fire` once the clock reaches `atMs`. */
  at(atMs: number, fire: () => void): ClockTimer {
    const entry: Entry = { at: atMs, seq: this.seq++, fire, done: false };
    this.insert(entry);
    this.armRealTimer();
    this.poke();
    return {
      cancel: () => {
        if (entry.done) return;
        entry.done = true;
        entry.fire = RELEASED;
        this.entries.splice(this.indexOf(entry), 1);
      },
    };
  }

  after(delayMs: number, fire: () => void): ClockTimer {
    return this.at(this.now() + Math.max(0, delayMs), fire);
  }

  lock(): void {
    this.locks++;
  }

  unlock(): void {
    if (this.locks === 0)
      throw failedPrecondition(
        'Time skipping is not locked: UnlockTimeSkipping called more times than LockTimeSkipping.',
      );
    this.locks--;
    this.poke();
  }

  get lockCount(): number {
    return this.locks;
  }

  /** Resolves once the clock has reached `atMs` (skipping time only if it is otherwise unlocked). */
  waitUntil(atMs: number): Promise<void> {
    if (this.now() >= atMs) return Promise.resolve();
    return new Promise((resolve) => this.at(atMs, resolve));
  }

  /** Asks for a check, after the current I/O turn, whether time can jump to the next timer. */
  poke(): void {
    if (!this.timeSkipping || this.skipCheckQueued || this.stopped) return;
    this.skipCheckQueued = true;
    setImmediate(() => {
      this.skipCheckQueued = false;
      this.skipIfIdle();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    for (const entry of this.entries) entry.done = true;
    this.entries = [];
  }

  private skipIfIdle(): void {
    if (this.stopped || this.locks > 0) return;
    const next = this.entries[0];
    if (!next || !this.isIdle()) return;
    const gap = next.at - this.now();
    if (gap > 0) this.offset += gap;
    this.fireDue();
  }

  private insert(entry: Entry): void {
    this.entries.splice(this.lowerBound(entry), 0, entry);
  }

  private indexOf(entry: Entry): number {
    const i = this.lowerBound(entry);
    if (this.entries[i] !== entry) throw new Error('bug: clock entry missing');
    return i;
  }

  /** First index whose entry does not sort before `entry` by (at, seq). */
  private lowerBound(entry: Entry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid]!;
      if (e.at < entry.at || (e.at === entry.at && e.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private fireDue(): void {
    const now = this.now();
    while (this.entries.length > 0 && this.entries[0]!.at <= now) {
      const entry = this.entries.shift()!;
      const fire = entry.fire;
      entry.done = true;
      entry.fire = RELEASED;
      try {
        fire();
      } catch (err) {
        this.onError(err);
      }
    }
    try {
      this.afterFire();
    } catch (err) {
      this.onError(err);
    }
    this.armRealTimer();
    this.poke();
  }

  private armRealTimer(): void {
    if (this.stopped) return;
    const next = this.entries[0];
    const at = next ? next.at : Infinity;
    if (at === this.realTimerAt && this.realTimer) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.realTimerAt = at;
    if (!next) return;
    const delay = Math.min(Math.max(0, at - this.now()), MAX_REAL_DELAY_MS);
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.realTimerAt = Infinity;
      this.fireDue();
    }, delay);
    this.realTimer.unref?.();
  }
}
