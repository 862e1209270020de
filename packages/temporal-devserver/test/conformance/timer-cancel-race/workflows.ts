import { CancellationScope, isCancellation, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });
const remote = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
});

export interface RaceTimings {
  /** When the timer fires / the activity completes: while the held task is open. */
  raceMs: number;
  /** Fires first, so the next workflow task starts while the race timer or activity is still running. */
  kickoffMs: number;
  /** How long a local activity keeps that task open (well past `raceMs`). */
  holdTaskMs: number;
}

/**
 * Starts a timer in a cancellation scope, keeps the next workflow task open until that timer has fired, and
 * cancels the scope in that same task: the task completes with CancelTimer for a timer whose TimerFired event
 * the server holds buffered, then CompleteWorkflowExecution.
 */
export async function cancelTimerThatFiredDuringTask(t: RaceTimings): Promise<string> {
  const scope = new CancellationScope();
  const timer = scope.run(() => sleep(t.raceMs));
  await sleep(t.kickoffMs);
  await local.pause(t.holdTaskMs);
  scope.cancel();
  try {
    await timer;
    return 'timer fired';
  } catch (err) {
    if (isCancellation(err)) return 'timer canceled';
    throw err;
  }
}

/**
 * The activity analogue: the activity completes while a workflow task is held open, and that task asks to
 * cancel it. The workflow waits for the activity's real outcome (WAIT_CANCELLATION_COMPLETED).
 */
export async function cancelActivityThatCompletedDuringTask(t: RaceTimings): Promise<string> {
  const scope = new CancellationScope();
  const activity = scope.run(() => remote.pause(t.raceMs));
  await sleep(t.kickoffMs);
  await local.pause(t.holdTaskMs);
  scope.cancel();
  try {
    return await activity;
  } catch (err) {
    if (isCancellation(err)) return 'activity canceled';
    throw err;
  }
}
