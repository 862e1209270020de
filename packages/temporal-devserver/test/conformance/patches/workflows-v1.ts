// Version 1: the original code.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { oldStep } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });
export const goSignal = defineSignal('go');

export async function versioned(): Promise<string> {
  let go = false;
  setHandler(goSignal, () => {
    go = true;
  });
  const step = await oldStep();
  await condition(() => go);
  return `v1: ${step}`;
}
