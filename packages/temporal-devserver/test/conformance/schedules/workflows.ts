import { ApplicationFailure, condition, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';

export const releaseSignal = defineSignal('release');

export async function echo(arg: string): Promise<string> {
  return arg;
}

/** Runs until released (or cancelled), so overlap policies have something running to overlap with. */
export async function blocker(): Promise<string> {
  let released = false;
  setHandler(releaseSignal, () => {
    released = true;
  });
  await condition(() => released);
  return workflowInfo().workflowId;
}

export async function failing(): Promise<void> {
  throw ApplicationFailure.nonRetryable('scheduled run failed');
}
