import { continueAsNew, sleep, workflowInfo } from '@temporalio/workflow';

export interface SeenTimeouts {
  runTimeoutMs: number | undefined;
  executionTimeoutMs: number | undefined;
}

/** Sleeps for `ms`, then reports the timeouts it was started with. */
export async function sleepThenReport(ms: number): Promise<SeenTimeouts> {
  await sleep(ms);
  const { runTimeoutMs, executionTimeoutMs } = workflowInfo();
  return { runTimeoutMs, executionTimeoutMs };
}

/** Continues as new every `ms` forever: only an execution timeout ends the chain. */
export async function continueForever(ms: number, generation = 0): Promise<never> {
  await sleep(ms);
  return continueAsNew<typeof continueForever>(ms, generation + 1);
}
