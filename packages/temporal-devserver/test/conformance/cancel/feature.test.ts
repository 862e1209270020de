import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, WorkflowNotFoundError } from '@temporalio/common';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import { thrown } from '../support/errors';
import { waitFor } from '../../support/wait';
import * as activities from './activities';
import { sleepAndCleanUp, sleepUncaught } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts'), activities });

async function started(workflowId: string, fn: typeof sleepUncaught | typeof sleepAndCleanUp) {
  const handle = await suite.client.workflow.start(fn, { taskQueue: suite.taskQueue, workflowId });
  await waitFor('the timer to be started', async () =>
    (await eventTypeNames(handle)).includes('TIMER_STARTED') ? true : undefined,
  );
  return handle;
}

describe('request cancel', () => {
  it('an unhandled cancellation closes the run as CANCELLED with a CancelledFailure', async () => {
    const handle = await started(uniqueId('cancel-uncaught'), sleepUncaught);
    await handle.cancel();
    const err = await thrown(() => handle.result());
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const events = await eventTypeNames(handle);
    expect(events).toContain('WORKFLOW_EXECUTION_CANCEL_REQUESTED');
    expect(events).toContain('TIMER_CANCELED');
    expect(events.at(-1)).toBe('WORKFLOW_EXECUTION_CANCELED');
  });

  it('the workflow can catch the cancellation, run cleanup in a non-cancellable scope and complete', async () => {
    const handle = await started(uniqueId('cancel-caught'), sleepAndCleanUp);
    await handle.cancel();
    expect(await handle.result()).toBe('cleaned up after cancel');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const events = await eventTypeNames(handle);
    expect(events).toContain('WORKFLOW_EXECUTION_CANCEL_REQUESTED');
    expect(events).toContain('ACTIVITY_TASK_COMPLETED');
  });

  it('cancelling a closed workflow is WorkflowNotFoundError', async () => {
    const handle = await started(uniqueId('cancel-closed'), sleepUncaught);
    await handle.terminate();
    await expect(handle.cancel()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
