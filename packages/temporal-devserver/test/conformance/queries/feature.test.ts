import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, QueryNotRegisteredError, QueryRejectedError } from '@temporalio/client';
import { defineQuery } from '@temporalio/workflow';
import { WorkflowNotFoundError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { defineSuite, uniqueId } from '../support/suite';
import { thrown } from '../support/errors';
import { waitFor } from '../../support/wait';
import { addSignal, countQuery, doneSignal, itemsQuery, queryable } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

describe('queries', () => {
  it('an idle workflow answers through a query task, with arguments', async () => {
    const handle = await suite.client.workflow.start(queryable, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('query-idle'),
    });
    await handle.signal(addSignal, 'a');
    await handle.signal(addSignal, 'b');
    await waitFor('both signals processed', async () =>
      (await handle.query(itemsQuery)).length === 2 ? true : undefined,
    );
    expect(await handle.query(itemsQuery)).toEqual(['a', 'b']);
    expect(await handle.query(countQuery, 10)).toBe(12);
    await handle.signal(doneSignal);
    await handle.result();
  });

  it('a query sent while a workflow task is outstanding is answered after the events before it', async () => {
    // No worker polls this queue yet: the first task stays scheduled, so the server must hold the query and
    // answer it with (or right after) that task, never from a state that misses the earlier signals.
    const taskQueue = uniqueId('query-pending-task');
    const handle = await suite.client.workflow.start(queryable, { taskQueue, workflowId: uniqueId('query-pending') });
    await handle.signal(addSignal, 'before-query-1');
    await handle.signal(addSignal, 'before-query-2');
    const answer = handle.query(itemsQuery);
    const worker = await suite.createWorker({ taskQueue });
    await worker.runUntil(async () => {
      expect(await answer).toEqual(['before-query-1', 'before-query-2']);
      await handle.signal(doneSignal);
      await handle.result();
    });
  });

  it('queries interleaved with a burst of signals never see a signal twice or out of order', async () => {
    const handle = await suite.client.workflow.start(queryable, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('query-burst'),
    });
    const sent = Array.from({ length: 15 }, (_, i) => `s${i}`);
    const answers: string[][] = [];
    for (const item of sent) {
      await handle.signal(addSignal, item);
      answers.push(await handle.query(itemsQuery));
    }
    answers.forEach((answer, i) => expect(answer).toEqual(sent.slice(0, i + 1)));
    await handle.signal(doneSignal);
    await handle.result();
  });

  it('an unknown query type is QueryNotRegisteredError naming it', async () => {
    const handle = await suite.client.workflow.start(queryable, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('query-unknown'),
    });
    await handle.query(itemsQuery);
    const err = await thrown(() => handle.query(defineQuery<string>('noSuchQuery')));
    expect(err).toBeInstanceOf(QueryNotRegisteredError);
    expect((err as Error).message).toContain('noSuchQuery');
    await handle.signal(doneSignal);
    await handle.result();
  });

  it('a closed workflow can still be queried (its history is replayed)', async () => {
    const handle = await suite.client.workflow.start(queryable, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('query-closed'),
    });
    await handle.signal(addSignal, 'kept');
    await handle.signal(doneSignal);
    await handle.result();
    expect(await handle.query(itemsQuery)).toEqual(['kept']);
  });

  it('queryRejectCondition NOT_OPEN rejects a query to a closed workflow with its status', async () => {
    const handle = await suite.client.workflow.start(queryable, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('query-rejected'),
    });
    await handle.signal(doneSignal);
    await handle.result();
    const rejecting = new Client({
      connection: suite.client.connection,
      namespace: suite.client.options.namespace,
      workflow: { queryRejectCondition: 'NOT_OPEN' },
    });
    const err = await thrown(() => rejecting.workflow.getHandle(handle.workflowId).query(itemsQuery));
    expect(err).toBeInstanceOf(QueryRejectedError);
    expect((err as QueryRejectedError).status).toBe(
      temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
    );
  });

  it('querying an unknown workflow is WorkflowNotFoundError', async () => {
    await expect(suite.client.workflow.getHandle(uniqueId('query-nobody')).query(itemsQuery)).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });
});
