import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParentClosePolicy } from '@temporalio/workflow';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import { waitFor } from '../../support/wait';
import { parentCatchesChildFailure, parentExecutesChild, parentLeavesChild } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

describe('child workflows', () => {
  it('a parent gets its child result, and the child knows its parent', async () => {
    const workflowId = uniqueId('child-result');
    const result = await suite.client.workflow.execute(parentExecutesChild, {
      taskQueue: suite.taskQueue,
      workflowId,
      args: ['hello'],
    });
    expect(result).toEqual({ value: 'hello', parentWorkflowId: workflowId });
    const events = await eventTypeNames(suite.client.workflow.getHandle(workflowId));
    expect(events).toEqual(
      expect.arrayContaining([
        'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
        'CHILD_WORKFLOW_EXECUTION_STARTED',
        'CHILD_WORKFLOW_EXECUTION_COMPLETED',
      ]),
    );
  });

  it('a failed child reaches the parent as ChildWorkflowFailure with the original cause', async () => {
    const seen = await suite.client.workflow.execute(parentCatchesChildFailure, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('child-failure'),
      args: ['child exploded'],
    });
    expect(seen).toEqual({ caught: true, causeType: 'ChildBroke', causeMessage: 'child exploded' });
  });

  it('parent close policies: TERMINATE terminates, REQUEST_CANCEL cancels, ABANDON leaves the child running', async () => {
    const childIds = {
      TERMINATE: uniqueId('child-terminate'),
      REQUEST_CANCEL: uniqueId('child-request-cancel'),
      ABANDON: uniqueId('child-abandon'),
    };
    const policies: Record<keyof typeof childIds, ParentClosePolicy> = {
      TERMINATE: ParentClosePolicy.TERMINATE,
      REQUEST_CANCEL: ParentClosePolicy.REQUEST_CANCEL,
      ABANDON: ParentClosePolicy.ABANDON,
    };
    await Promise.all(
      (Object.keys(childIds) as (keyof typeof childIds)[]).map((name) =>
        suite.client.workflow.execute(parentLeavesChild, {
          taskQueue: suite.taskQueue,
          workflowId: uniqueId(`parent-${name}`),
          args: [childIds[name], policies[name]],
        }),
      ),
    );
    const statusOf = async (id: string) => (await suite.client.workflow.getHandle(id).describe()).status.name;

    await waitFor('the TERMINATE child to be terminated', async () =>
      (await statusOf(childIds.TERMINATE)) === 'TERMINATED' ? true : undefined,
    );
    await waitFor('the REQUEST_CANCEL child to be cancelled', async () =>
      (await statusOf(childIds.REQUEST_CANCEL)) === 'CANCELLED' ? true : undefined,
    );
    expect(await eventTypeNames(suite.client.workflow.getHandle(childIds.REQUEST_CANCEL))).toContain(
      'WORKFLOW_EXECUTION_CANCEL_REQUESTED',
    );
    expect(await statusOf(childIds.ABANDON)).toBe('RUNNING');
    await suite.client.workflow.getHandle(childIds.ABANDON).terminate('test cleanup');
  });
});
