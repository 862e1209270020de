import { defineQuery, setHandler, sleep } from '@temporalio/workflow';

export const wokenQuery = defineQuery<boolean>('woken');

/** Sleeps `days` days and reports the workflow clock before and after. */
export async function sleepDays(days: number): Promise<{ before: number; after: number }> {
  const before = Date.now();
  await sleep(days * 24 * 60 * 60 * 1000);
  return { before, after: Date.now() };
}

/** Sleeps `ms`, answering `woken` throughout. */
export async function napThenWake(ms: number): Promise<number> {
  let woken = false;
  setHandler(wokenQuery, () => woken);
  await sleep(ms);
  woken = true;
  return Date.now();
}
