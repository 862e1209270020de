import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/common';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import { addSignal, collector, doneSignal } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

describe('signals', () => {
  it('signals are delivered in the order they were sent', async () => {
    const handle = await suite.client.workflow.start(collector, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('signal-order'),
    });
    const sent = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    for (const item of sent) await handle.signal(addSignal, item);
    await handle.signal(doneSignal);
    expect(await handle.result()).toEqual(sent);
    const events = await eventTypeNames(handle);
    expect(events.filter((e) => e === 'WORKFLOW_EXECUTION_SIGNALED')).toHaveLength(21);
  });

  it('signals sent concurrently are all delivered exactly once', async () => {
    const handle = await suite.client.workflow.start(collector, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('signal-concurrent'),
    });
    const sent = Array.from({ length: 30 }, (_, i) => `c-${i}`);
    await Promise.all(sent.map((item) => handle.signal(addSignal, item)));
    await handle.signal(doneSignal);
    const received = await handle.result();
    expect([...received].sort()).toEqual([...sent].sort());
  });

  it('signalling an unknown workflow is WorkflowNotFoundError', async () => {
    const handle = suite.client.workflow.getHandle(uniqueId('signal-nobody'));
    await expect(handle.signal(addSignal, 'x')).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('signalling a closed workflow is WorkflowNotFoundError', async () => {
    const handle = await suite.client.workflow.start(collector, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('signal-closed'),
    });
    await handle.signal(doneSignal);
    await handle.result();
    await expect(handle.signal(addSignal, 'late')).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('signal-with-start', () => {
  it('starts the workflow and delivers the signal before the first task runs', async () => {
    const workflowId = uniqueId('sws-new');
    const handle = await suite.client.workflow.signalWithStart(collector, {
      taskQueue: suite.taskQueue,
      workflowId,
      args: [['from-start']],
      signal: addSignal,
      signalArgs: ['from-signal'],
    });
    await handle.signal(doneSignal);
    expect(await handle.result()).toEqual(['from-start', 'from-signal']);
    const events = await eventTypeNames(handle);
    expect(events.slice(0, 3)).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
  });

  it('signals the running workflow instead of starting a second one', async () => {
    const workflowId = uniqueId('sws-existing');
    const first = await suite.client.workflow.start(collector, { taskQueue: suite.taskQueue, workflowId });
    const second = await suite.client.workflow.signalWithStart(collector, {
      taskQueue: suite.taskQueue,
      workflowId,
      args: [['ignored-because-running']],
      signal: addSignal,
      signalArgs: ['joined'],
    });
    expect(second.signaledRunId).toBe(first.firstExecutionRunId);
    await first.signal(doneSignal);
    expect(await first.result()).toEqual(['joined']);
  });

  it('starts a new run when the previous one is closed', async () => {
    const workflowId = uniqueId('sws-closed');
    const first = await suite.client.workflow.start(collector, { taskQueue: suite.taskQueue, workflowId });
    await first.signal(doneSignal);
    await first.result();
    const second = await suite.client.workflow.signalWithStart(collector, {
      taskQueue: suite.taskQueue,
      workflowId,
      signal: addSignal,
      signalArgs: ['again'],
    });
    expect(second.signaledRunId).not.toBe(first.firstExecutionRunId);
    await second.signal(doneSignal);
    expect(await second.result()).toEqual(['again']);
  });
});
