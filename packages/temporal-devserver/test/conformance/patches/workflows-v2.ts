// Version 2: the step changed, guarded by a patch so runs started on v1 still replay.
import { condition, defineSignal, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { oldStep, newStep } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });
export const goSignal = defineSignal('go');

export async function versioned(): Promise<string> {
  let go = false;
  setHandler(goSignal, () => {
    go = true;
  });
  const step = patched('use-new-step') ? await newStep() : await oldStep();
  await condition(() => go);
  return `v2: ${step}`;
}
