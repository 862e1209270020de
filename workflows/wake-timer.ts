// The workflow's single durable wake-up timer. A timer costs a Temporal action when it starts (cancelling is
// free), so a running timer is replaced only when the workflow must wake earlier than it fires.
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

  /** True once the running timer has fired; reset when a new one starts. */
  get fired(): boolean {
    return this.armed?.fired ?? false;
  }

  /** When the running timer fires; null when none is running. */
  get deadline(): EpochMs | null {
    return this.armed && !this.armed.fired ? this.armed.deadline : null;
  }

  /**
   * Makes sure the workflow wakes by `wakeBy` (null: no wake-up needed). A running timer that fires at or before
   * `wakeBy` is kept rather than replaced: the early wake-up costs a re-plan (free) and, if the plan still holds
   * then, one timer, the same as replacing it now; and a plan that moved later (a send starting a cooldown) often
   * moves back before the early timer fires, which then saves the timer. For the same reason a timer that is no
   * longer needed is left to fire. `summary` shows in the Temporal UI.
   */
  arm(wakeBy: EpochMs | null, now: EpochMs, summary: string): void {
    const running = this.armed !== null && !this.armed.fired ? this.armed : null;
    if (running !== null && (wakeBy === null || running.deadline <= wakeBy)) return;
    running?.scope.cancel();
    this.armed = null;
    if (wakeBy === null) return;
    const timer: ArmedTimer = { deadline: wakeBy, scope: new CancellationScope(), fired: false };
    this.armed = timer;
    timer.scope
      .run(() => sleep(Math.max(MIN_TIMER_MS, wakeBy - now), { summary }))
      .then(
        () => {
          timer.fired = true;
        },
        (err: unknown) => {
          if (!isCancellation(err)) throw err;
        },
      );
  }
}
