import { condition, defineSignal, executeChild, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { blockUntilReleased } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
});

export const releaseSignal = defineSignal('release');

export async function waitForRelease(): Promise<string> {
  let released = false;
  setHandler(releaseSignal, () => {
    released = true;
  });
  await condition(() => released);
  return 'child released';
}

/** Runs one blocking activity and one child side by side, so both are pending together. */
export async function parentWithPendingWork(key: string, childId: string): Promise<string[]> {
  return Promise.all([
    blockUntilReleased(key),
    executeChild(waitForRelease, { workflowId: childId, parentClosePolicy: 'ABANDON' }),
  ]);
}
