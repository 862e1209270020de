import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import { waitFor } from '../../support/wait';
import * as activities from './activities';
import { accumulate, addSignal, totalQuery } from './workflows';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows.ts'),
  activities,
  worker: { maxCachedWorkflows: 0 },
});

describe('sticky cache eviction and worker restarts', () => {
  it('with no workflow cache every task replays the full history and the result is still right', async () => {
    const handle = await suite.client.workflow.start(accumulate, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('no-cache'),
      args: [5],
    });
    for (let n = 1; n <= 5; n++) {
      await handle.signal(addSignal, n);
      expect(await handle.query(totalQuery)).toBeGreaterThanOrEqual(0);
    }
    expect(await handle.result()).toBe(30);
    expect(await eventTypeNames(handle)).not.toContain('WORKFLOW_TASK_FAILED');
  });

  it('a workflow cached on a worker that shuts down continues on a new worker', async () => {
    const taskQueue = uniqueId('restart');
    const handle = await suite.client.workflow.start(accumulate, {
      taskQueue,
      workflowId: uniqueId('restart'),
      args: [4],
    });
    const first = await suite.createWorker({ taskQueue, maxCachedWorkflows: 10 });
    await first.runUntil(async () => {
      await handle.signal(addSignal, 1);
      await handle.signal(addSignal, 2);
      await waitFor('two numbers processed on the first worker', async () =>
        (await handle.query(totalQuery)) === 6 ? true : undefined,
      );
    });

    await handle.signal(addSignal, 3);
    const second = await suite.createWorker({ taskQueue, maxCachedWorkflows: 10 });
    await second.runUntil(async () => {
      await handle.signal(addSignal, 4);
      expect(await handle.result()).toBe(20);
    });
    expect(await eventTypeNames(handle)).not.toContain('WORKFLOW_TASK_FAILED');
  });
});
