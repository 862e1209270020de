import { ApplicationFailure, condition, defineSignal, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { conformanceInt } from '../support/search-attributes';

export const finishSignal = defineSignal<['complete' | 'fail']>('finish');
export const setIntSignal = defineSignal<[number]>('setInt');

/** Stays open until `finish`, then completes or fails as told; `setInt` upserts TactConfInt meanwhile. */
export async function listedWorkflow(): Promise<string> {
  let outcome: 'complete' | 'fail' | undefined;
  setHandler(finishSignal, (o) => {
    outcome = o;
  });
  setHandler(setIntSignal, (value) => {
    upsertSearchAttributes([{ key: conformanceInt, value }]);
  });
  await condition(() => outcome !== undefined);
  if (outcome === 'fail') throw ApplicationFailure.nonRetryable('told to fail', 'ToldToFail');
  return 'done';
}

/** A second workflow type, so that WorkflowType filters have something to tell apart. */
export async function otherListedWorkflow(): Promise<string> {
  return 'other';
}
