import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type * as activities from './activities';

const { resumable } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '100 ms', backoffCoefficient: 1, maximumAttempts: 5 },
});

const { heartbeatUntilCancelled } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '5 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export async function resumeFromHeartbeat(key: string): Promise<number> {
  return resumable(key);
}

/** Starts the activity, cancels it after `afterMs`, and reports what the cancellation looked like. */
export async function cancelActivity(key: string, afterMs: number) {
  const scope = new CancellationScope();
  const running = scope.run(() => heartbeatUntilCancelled(key));
  await sleep(afterMs);
  scope.cancel();
  try {
    await running;
    return { cancelled: false };
  } catch (err) {
    return {
      cancelled: isCancellation(err),
      activityFailure: err instanceof ActivityFailure,
      causeIsCancelled: err instanceof ActivityFailure && err.cause instanceof CancelledFailure,
    };
  }
}
