import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TypedSearchAttributes } from '@temporalio/common';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import { waitFor } from '../../support/wait';
import {
  conformanceBool,
  conformanceDatetime,
  conformanceDouble,
  conformanceInt,
  conformanceKeyword,
  conformanceKeywordList,
  conformanceSearchAttributes,
  conformanceText,
} from '../support/search-attributes';
import { seenQuery, stepSignal, upserter } from './workflows';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows.ts'),
  searchAttributes: conformanceSearchAttributes,
});

describe('upsert search attributes and memo', () => {
  it('upserts of every type are visible to describe and to the workflow; null removes; memo merges', async () => {
    const handle = await suite.client.workflow.start(upserter, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('upsert'),
      memo: { fromStart: true },
      typedSearchAttributes: new TypedSearchAttributes([{ key: conformanceKeyword, value: 'at-start' }]),
    });

    await handle.signal(stepSignal, 1);
    const afterFirst = await waitFor('the first upsert', async () => {
      const d = await handle.describe();
      return d.typedSearchAttributes.get(conformanceKeyword) === 'first' ? d : undefined;
    });
    const sa = afterFirst.typedSearchAttributes;
    expect(sa.get(conformanceText)).toBe('some searchable words');
    expect(sa.get(conformanceInt)).toBe(7);
    expect(sa.get(conformanceDouble)).toBe(2.5);
    expect(sa.get(conformanceBool)).toBe(true);
    expect(sa.get(conformanceDatetime)?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(sa.get(conformanceKeywordList)).toEqual(['a', 'b']);
    expect(afterFirst.memo).toEqual({ fromStart: true, phase: 'one', keep: 'me' });
    expect(await handle.query(seenQuery)).toEqual({
      keyword: 'first',
      int: 7,
      memo: { fromStart: true, phase: 'one', keep: 'me' },
    });

    await handle.signal(stepSignal, 2);
    const afterSecond = await waitFor('the second upsert', async () => {
      const d = await handle.describe();
      return d.typedSearchAttributes.get(conformanceKeyword) === 'second' ? d : undefined;
    });
    expect(afterSecond.typedSearchAttributes.get(conformanceInt)).toBeUndefined();
    expect(afterSecond.typedSearchAttributes.get(conformanceBool)).toBe(true);
    expect(afterSecond.memo).toEqual({ fromStart: true, phase: 'two' });

    await handle.signal(stepSignal, 3);
    await handle.result();
    const events = await eventTypeNames(handle);
    expect(events.filter((e) => e === 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')).toHaveLength(2);
    expect(events.filter((e) => e === 'WORKFLOW_PROPERTIES_MODIFIED')).toHaveLength(2);
    const closed = await handle.describe();
    expect(closed.typedSearchAttributes.get(conformanceKeyword)).toBe('second');
    expect(closed.memo).toEqual({ fromStart: true, phase: 'two' });
  });
});
