import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const add = defineUpdate<number, [number]>('add');
export const finish = defineSignal('finish');

/** Keeps a total; `add` adds to it (its validator refuses negative numbers) and returns the new total. */
export async function counter(): Promise<number> {
  let total = 0;
  let done = false;
  setHandler(
    add,
    (n) => {
      total += n;
      return total;
    },
    {
      validator: (n) => {
        if (n < 0) throw new Error(`cannot add ${n}`);
      },
    },
  );
  setHandler(finish, () => {
    done = true;
  });
  await condition(() => done);
  return total;
}
