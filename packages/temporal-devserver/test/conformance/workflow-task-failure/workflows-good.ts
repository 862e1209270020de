import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { stepA } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });
export const goSignal = defineSignal('go');

export async function fragile(): Promise<string> {
  let go = false;
  setHandler(goSignal, () => {
    go = true;
  });
  const step = await stepA();
  await condition(() => go);
  return `done after ${step}`;
}
