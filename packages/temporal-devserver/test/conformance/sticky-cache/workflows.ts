import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { double } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });
export const addSignal = defineSignal<[number]>('add');
export const totalQuery = defineQuery<number>('total');

/** Sums `count` signalled numbers, doubling each through an activity and sleeping between them. */
export async function accumulate(count: number): Promise<number> {
  const pending: number[] = [];
  let total = 0;
  let seen = 0;
  setHandler(addSignal, (n) => {
    pending.push(n);
  });
  setHandler(totalQuery, () => total);
  while (seen < count) {
    await condition(() => pending.length > 0);
    total += await double(pending.shift()!);
    seen++;
    await sleep(10);
  }
  return total;
}
