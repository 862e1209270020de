import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import { thrown } from '../support/errors';
import { cancelOther, signalOther, sleepUntilCancelled, waitForMessage } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

describe('external workflows', () => {
  it('a workflow signals another workflow by id', async () => {
    const target = await suite.client.workflow.start(waitForMessage, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('external-signal-target'),
    });
    const senderId = uniqueId('external-signal-sender');
    const outcome = await suite.client.workflow.execute(signalOther, {
      taskQueue: suite.taskQueue,
      workflowId: senderId,
      args: [target.workflowId, 'hello from a workflow'],
    });
    expect(outcome).toBe('sent');
    expect(await target.result()).toBe('hello from a workflow');
    expect(await eventTypeNames(suite.client.workflow.getHandle(senderId))).toEqual(
      expect.arrayContaining(['SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED', 'EXTERNAL_WORKFLOW_EXECUTION_SIGNALED']),
    );
  });

  it('signalling a workflow that does not exist fails inside the sender', async () => {
    const senderId = uniqueId('external-signal-nobody');
    const outcome = await suite.client.workflow.execute(signalOther, {
      taskQueue: suite.taskQueue,
      workflowId: senderId,
      args: [uniqueId('nobody'), 'lost'],
    });
    expect(outcome).toBe('failed');
    expect(await eventTypeNames(suite.client.workflow.getHandle(senderId))).toContain(
      'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
    );
  });

  it('a workflow requests cancellation of another workflow by id', async () => {
    const target = await suite.client.workflow.start(sleepUntilCancelled, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('external-cancel-target'),
    });
    const requesterId = uniqueId('external-cancel-requester');
    const outcome = await suite.client.workflow.execute(cancelOther, {
      taskQueue: suite.taskQueue,
      workflowId: requesterId,
      args: [target.workflowId],
    });
    expect(outcome).toBe('requested');
    const err = await thrown(() => target.result());
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(await eventTypeNames(suite.client.workflow.getHandle(requesterId))).toEqual(
      expect.arrayContaining([
        'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
        'EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED',
      ]),
    );
  });

  it('cancelling a workflow that does not exist fails inside the requester', async () => {
    const requesterId = uniqueId('external-cancel-nobody');
    const outcome = await suite.client.workflow.execute(cancelOther, {
      taskQueue: suite.taskQueue,
      workflowId: requesterId,
      args: [uniqueId('nobody')],
    });
    expect(outcome).toBe('failed');
    expect(await eventTypeNames(suite.client.workflow.getHandle(requesterId))).toContain(
      'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
    );
  });
});
