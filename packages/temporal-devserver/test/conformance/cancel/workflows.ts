import { CancellationScope, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { cleanUp } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

/** Does not handle cancellation: the run ends CANCELLED. */
export async function sleepUncaught(): Promise<void> {
  await sleep('1 day');
}

/** Catches the cancellation, cleans up in a non-cancellable scope and completes normally. */
export async function sleepAndCleanUp(): Promise<string> {
  try {
    await sleep('1 day');
    return 'slept';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    return CancellationScope.nonCancellable(() => cleanUp('after cancel'));
  }
}
