import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { TerminatedFailure, WorkflowNotFoundError } from '@temporalio/common';
import { defineSuite, uniqueId } from '../support/suite';
import { historyEvents, eventTypeName } from '../support/history';
import { thrown } from '../support/errors';
import { sleepLong } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

describe('terminate', () => {
  it('terminates a running workflow with a reason that result() reports', async () => {
    const handle = await suite.client.workflow.start(sleepLong, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('terminate'),
    });
    await handle.terminate('operator said stop');
    const err = await thrown(() => handle.result());
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    expect((err as WorkflowFailedError).message).toBe('operator said stop');

    expect((await handle.describe()).status.name).toBe('TERMINATED');
    const last = (await historyEvents(handle)).at(-1)!;
    expect(eventTypeName(last)).toBe('WORKFLOW_EXECUTION_TERMINATED');
    expect(last.workflowExecutionTerminatedEventAttributes?.reason).toBe('operator said stop');
  });

  it('terminating a closed workflow is WorkflowNotFoundError', async () => {
    const handle = await suite.client.workflow.start(sleepLong, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('terminate-twice'),
    });
    await handle.terminate();
    await expect(handle.terminate()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('terminating an unknown workflow is WorkflowNotFoundError', async () => {
    await expect(suite.client.workflow.getHandle(uniqueId('terminate-nobody')).terminate()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });
});
