import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });

export const addSignal = defineSignal<[number]>('add');
export const countQuery = defineQuery<number>('count');
export const stopSignal = defineSignal('stop');

export async function trivial(): Promise<number> {
  return 1;
}

/** `steps` timers in a row: one workflow task per timer. */
export async function timerSteps(steps: number): Promise<number> {
  for (let i = 0; i < steps; i++) await sleep(1);
  return steps;
}

/** `count` activities at once. */
export async function parallelActivities(count: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => noop(i)));
  return results.length;
}

export async function signalCounter(): Promise<number> {
  let count = 0;
  let stopped = false;
  setHandler(addSignal, () => {
    count++;
  });
  setHandler(countQuery, () => count);
  setHandler(stopSignal, () => {
    stopped = true;
  });
  await condition(() => stopped);
  return count;
}
