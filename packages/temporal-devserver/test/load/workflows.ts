import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { square } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '200 ms', backoffCoefficient: 1.5 },
});

export const addSignal = defineSignal<[number]>('add');

export interface LoadResult {
  received: number[];
  sumOfSquares: number;
}

/** Per signal: square the number in an activity, then sleep a short timer. Returns what it received, in order. */
export async function signalsTimersActivities(index: number, expectedSignals: number): Promise<LoadResult> {
  const received: number[] = [];
  setHandler(addSignal, (n) => {
    received.push(n);
  });
  let sumOfSquares = 0;
  for (let i = 0; i < expectedSignals; i++) {
    await condition(() => received.length > i);
    sumOfSquares += await square(received[i]!);
    await sleep(100 + (index % 5) * 100);
  }
  return { received, sumOfSquares };
}
