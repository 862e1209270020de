import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

export const addSignal = defineSignal<[string]>('add');
export const doneSignal = defineSignal('done');
export const itemsQuery = defineQuery<string[]>('items');
export const countQuery = defineQuery<number, [number]>('countPlus');

/** Collects `add` signals until `done`; queryable throughout and after it closes. */
export async function queryable(): Promise<string[]> {
  const items: string[] = [];
  let done = false;
  setHandler(addSignal, (item) => {
    items.push(item);
  });
  setHandler(doneSignal, () => {
    done = true;
  });
  setHandler(itemsQuery, () => items);
  setHandler(countQuery, (plus) => items.length + plus);
  await condition(() => done);
  return items;
}
