// A single durable timer that is re-armed only when its deadline changes: a timer costs a Temporal
// action, so waking on a signal and re-planning to the same deadline must reuse the running one.
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import type { EpochMs } from '../domain/types';

/** Floor for a timer: a deadline at or before now (a clock edge) must not turn into a busy loop. */
const MIN_TIMER_MS = 1_000;

interface ArmedTimer {
  deadline: EpochMs;
  scope: CancellationScope;
  fired: boolean;
}

export class WakeTimer {
  private armed: ArmedTimer | null = null;
  /** Timers started by this run (for tests and the workflow log). */
  started = 0;

  /** True once the armed timer has fired; reset by the next arm(). */
  get fired(): boolean {
    return this.armed?.fired ?? false;
  }

  get deadline(): EpochMs | null {
    return this.armed?.deadline ?? null;
  }

  /** Ensures a timer fires at `deadline`, or none when null. `summary` shows in the Temporal UI. */
  arm(deadline: EpochMs | null, now: EpochMs, summary: string): void {
    if (this.armed && !this.armed.fired && this.armed.deadline === deadline) return;
    this.disarm();
    if (deadline === null) return;
    const timer: ArmedTimer = { deadline, scope: new CancellationScope(), fired: false };
    this.armed = timer;
    this.started += 1;
    timer.scope
      .run(() => sleep(Math.max(MIN_TIMER_MS, deadline - now), { summary }))
      .then(
        () => {
          timer.fired = true;
        },
        (err: unknown) => {
          if (!isCancellation(err)) throw err;
        },
      );
  }

  disarm(): void {
    if (this.armed && !this.armed.fired) this.armed.scope.cancel();
    this.armed = null;
  }
}
