import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const tickSignal = defineSignal('tick');
export const doneSignal = defineSignal('done');

export async function countTicks(): Promise<number> {
  let ticks = 0;
  let done = false;
  setHandler(tickSignal, () => {
    ticks++;
  });
  setHandler(doneSignal, () => {
    done = true;
  });
  await condition(() => done);
  return ticks;
}
