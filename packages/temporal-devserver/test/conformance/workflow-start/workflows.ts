import {
  condition,
  defineQuery,
  defineSignal,
  setHandler,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import { conformanceInt, conformanceKeyword } from '../support/search-attributes';

export const finishSignal = defineSignal<['complete' | 'fail']>('finish');
export const startInfoQuery = defineQuery<{
  memo: Record<string, unknown> | undefined;
  keyword: string | undefined;
  int: number | undefined;
}>('startInfo');

/** Waits for `finish`, then completes or fails as told. Answers `startInfo` with what it was started with. */
export async function waitForFinish(): Promise<string> {
  let outcome: 'complete' | 'fail' | undefined;
  setHandler(finishSignal, (o) => {
    outcome = o;
  });
  setHandler(startInfoQuery, () => {
    const info = workflowInfo();
    const keyword = info.typedSearchAttributes.get(conformanceKeyword);
    const int = info.typedSearchAttributes.get(conformanceInt);
    return { memo: info.memo, keyword, int };
  });
  await condition(() => outcome !== undefined);
  if (outcome === 'fail') throw ApplicationFailure.nonRetryable('told to fail', 'ToldToFail');
  return 'done';
}
