import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { RetryState, TimeoutFailure } from '@temporalio/common';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import { thrown } from '../support/errors';
import { continueForever, sleepThenReport } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

describe('workflow run and execution timeouts', () => {
  it('the workflow sees the timeouts it was started with', async () => {
    const seen = await suite.client.workflow.execute(sleepThenReport, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('timeouts-visible'),
      args: [1],
      workflowRunTimeout: '1 minute',
      workflowExecutionTimeout: '2 minutes',
    });
    expect(seen).toEqual({ runTimeoutMs: 60_000, executionTimeoutMs: 120_000 });
  });

  it('a run that outlives its run timeout is closed as TIMED_OUT', async () => {
    const handle = await suite.client.workflow.start(sleepThenReport, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('run-timeout'),
      args: [60_000],
      workflowRunTimeout: '1 second',
    });
    const err = await thrown(() => handle.result());
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
    expect((err as WorkflowFailedError).retryState).toBe(RetryState.RETRY_POLICY_NOT_SET);
    expect((await handle.describe()).status.name).toBe('TIMED_OUT');
    expect((await eventTypeNames(handle)).at(-1)).toBe('WORKFLOW_EXECUTION_TIMED_OUT');
  });

  it('the execution timeout spans continue-as-new runs and times the chain out', async () => {
    const handle = await suite.client.workflow.start(continueForever, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('execution-timeout'),
      args: [300],
      workflowExecutionTimeout: '2 seconds',
    });
    const err = await thrown(() => handle.result());
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);

    const latest = await suite.client.workflow.getHandle(handle.workflowId).describe();
    expect(latest.status.name).toBe('TIMED_OUT');
    expect(latest.runId).not.toBe(handle.firstExecutionRunId);
    const first = await suite.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
  });
});
