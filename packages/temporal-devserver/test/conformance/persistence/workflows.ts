import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

export const proceed = defineSignal<[string]>('proceed');

/** Sleeps, then says so: a timer pending while the server is down. */
export async function sleeper(ms: number): Promise<string> {
  await sleep(ms);
  return `slept ${ms} ms`;
}

/** Waits for a signal and returns what it carried: a signal acknowledged just before the crash. */
export async function waiter(): Promise<string> {
  let value: string | undefined;
  setHandler(proceed, (v) => {
    value = v;
  });
  await condition(() => value !== undefined);
  return `got ${value}`;
}

const { echoSlowly } = proxyActivities<typeof activities>({
  startToCloseTimeout: '3 seconds',
  retry: { initialInterval: '100 ms' },
});

/** Runs an activity that is still running (or its answer still unsent) when the server dies. */
export async function worker(text: string): Promise<string> {
  return echoSlowly(text, 1_000);
}
