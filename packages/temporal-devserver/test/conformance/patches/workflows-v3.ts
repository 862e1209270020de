// Version 3: every v1 run is gone; the patch is deprecated but its marker must still replay.
import { condition, defineSignal, deprecatePatch, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { newStep } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });
export const goSignal = defineSignal('go');

export async function versioned(): Promise<string> {
  let go = false;
  setHandler(goSignal, () => {
    go = true;
  });
  deprecatePatch('use-new-step');
  const step = await newStep();
  await condition(() => go);
  return `v3: ${step}`;
}
