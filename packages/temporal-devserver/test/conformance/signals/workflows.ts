import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

export const addSignal = defineSignal<[string]>('add');
export const doneSignal = defineSignal('done');
export const itemsQuery = defineQuery<string[]>('items');

/** Collects `add` signals in arrival order until `done`. */
export async function collector(initial: string[] = []): Promise<string[]> {
  const items = [...initial];
  let done = false;
  setHandler(addSignal, (item) => {
    items.push(item);
  });
  setHandler(doneSignal, () => {
    done = true;
  });
  setHandler(itemsQuery, () => items);
  await condition(() => done);
  return items;
}
