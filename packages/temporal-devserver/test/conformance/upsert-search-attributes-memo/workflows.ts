import {
  condition,
  defineQuery,
  defineSignal,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  conformanceBool,
  conformanceDatetime,
  conformanceDouble,
  conformanceInt,
  conformanceKeyword,
  conformanceKeywordList,
  conformanceText,
} from '../support/search-attributes';

export const stepSignal = defineSignal<[number]>('step');
export const seenQuery = defineQuery<{ keyword: unknown; int: unknown; memo: Record<string, unknown> | undefined }>(
  'seen',
);

/** Step 1 upserts one value of every type, step 2 changes and removes some, step 3 completes. */
export async function upserter(): Promise<void> {
  let step = 0;
  setHandler(stepSignal, (s) => {
    step = s;
  });
  setHandler(seenQuery, () => ({
    keyword: workflowInfo().typedSearchAttributes.get(conformanceKeyword),
    int: workflowInfo().typedSearchAttributes.get(conformanceInt),
    memo: workflowInfo().memo,
  }));
  await condition(() => step >= 1);
  upsertSearchAttributes([
    { key: conformanceKeyword, value: 'first' },
    { key: conformanceText, value: 'some searchable words' },
    { key: conformanceInt, value: 7 },
    { key: conformanceDouble, value: 2.5 },
    { key: conformanceBool, value: true },
    { key: conformanceDatetime, value: new Date('2030-01-02T03:04:05.000Z') },
    { key: conformanceKeywordList, value: ['a', 'b'] },
  ]);
  upsertMemo({ phase: 'one', keep: 'me' });
  await condition(() => step >= 2);
  upsertSearchAttributes([
    { key: conformanceKeyword, value: 'second' },
    { key: conformanceInt, value: null },
  ]);
  upsertMemo({ phase: 'two', keep: undefined });
  await condition(() => step >= 3);
}
