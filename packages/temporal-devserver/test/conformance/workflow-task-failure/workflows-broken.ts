// An incompatible deploy: the same workflow type now schedules a different activity first, with no patch.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { stepB } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });
export const goSignal = defineSignal('go');

export async function fragile(): Promise<string> {
  let go = false;
  setHandler(goSignal, () => {
    go = true;
  });
  const step = await stepB();
  await condition(() => go);
  return `done after ${step}`;
}
