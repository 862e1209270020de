import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TypedSearchAttributes } from '@temporalio/common';
import { WorkflowContinuedAsNewError } from '@temporalio/client';
import { defineSuite, uniqueId } from '../support/suite';
import { conformanceKeyword, conformanceSearchAttributes } from '../support/search-attributes';
import { historyEvents, eventTypeName } from '../support/history';
import { thrown } from '../support/errors';
import { chain, continueWithMemo } from './workflows';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows.ts'),
  searchAttributes: conformanceSearchAttributes,
});

describe('continue-as-new', () => {
  it('result() follows the chain to the last run, which carries memo and search attributes', async () => {
    const handle = await suite.client.workflow.start(chain, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('can-chain'),
      args: [3],
      memo: { tenant: 'acme' },
      typedSearchAttributes: new TypedSearchAttributes([{ key: conformanceKeyword, value: 'set-at-start' }]),
    });
    const last = await handle.result();
    expect(last.generation).toBe(3);
    expect(last.firstExecutionRunId).toBe(handle.firstExecutionRunId);
    expect(last.runId).not.toBe(handle.firstExecutionRunId);
    expect(last.continuedFromExecutionRunId).toBeDefined();
    expect(last.continuedFromExecutionRunId).not.toBe(last.runId);
    expect(last.memo).toEqual({ tenant: 'acme' });
    expect(last.keyword).toBe('upserted-in-first-run');

    const latest = await suite.client.workflow.getHandle(handle.workflowId).describe();
    expect(latest.runId).toBe(last.runId);
    expect(latest.status.name).toBe('COMPLETED');
    expect(latest.memo).toEqual({ tenant: 'acme' });
    expect(latest.typedSearchAttributes.get(conformanceKeyword)).toBe('upserted-in-first-run');
  });

  it('each earlier run closes CONTINUED_AS_NEW naming the next run', async () => {
    const handle = await suite.client.workflow.start(chain, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('can-runs'),
      args: [2],
    });
    const last = await handle.result();
    const first = suite.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
    const closeEvent = (await historyEvents(first)).at(-1)!;
    expect(eventTypeName(closeEvent)).toBe('WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(closeEvent.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId).toBe(last.runId);

    const secondStart = (await historyEvents(suite.client.workflow.getHandle(handle.workflowId, last.runId)))[0]!;
    const attrs = secondStart.workflowExecutionStartedEventAttributes!;
    expect(attrs.continuedExecutionRunId).toBe(handle.firstExecutionRunId);
    expect(attrs.firstExecutionRunId).toBe(handle.firstExecutionRunId);

    const noFollow = suite.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId, {
      followRuns: false,
    });
    const err = await thrown(() => noFollow.result());
    expect(err).toBeInstanceOf(WorkflowContinuedAsNewError);
    expect((err as WorkflowContinuedAsNewError).newExecutionRunId).toBe(last.runId);
  });

  it('an explicit memo on continue-as-new replaces the previous memo', async () => {
    const memo = await suite.client.workflow.execute(continueWithMemo, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('can-memo'),
      args: [true],
      memo: { original: true },
    });
    expect(memo).toEqual({ replaced: true });
  });
});
