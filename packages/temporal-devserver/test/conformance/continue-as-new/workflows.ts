import { continueAsNew, makeContinueAsNewFunc, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { conformanceKeyword } from '../support/search-attributes';

export interface RunReport {
  generation: number;
  runId: string;
  firstExecutionRunId: string;
  continuedFromExecutionRunId: string | undefined;
  memo: Record<string, unknown> | undefined;
  keyword: string | undefined;
}

/** Continues as new until `generations` runs have happened, carrying a counter in its arguments. */
export async function chain(generations: number, generation = 1): Promise<RunReport> {
  const info = workflowInfo();
  if (generation === 1) {
    upsertSearchAttributes([{ key: conformanceKeyword, value: 'upserted-in-first-run' }]);
  }
  if (generation < generations) return continueAsNew<typeof chain>(generations, generation + 1);
  return {
    generation,
    runId: info.runId,
    firstExecutionRunId: info.firstExecutionRunId,
    continuedFromExecutionRunId: info.continuedFromExecutionRunId,
    memo: info.memo,
    keyword: info.typedSearchAttributes.get(conformanceKeyword),
  };
}

/** Continues once with an explicit memo, which replaces the old one. */
export async function continueWithMemo(again: boolean): Promise<Record<string, unknown> | undefined> {
  if (again) return makeContinueAsNewFunc<typeof continueWithMemo>({ memo: { replaced: true } })(false);
  return workflowInfo().memo;
}
