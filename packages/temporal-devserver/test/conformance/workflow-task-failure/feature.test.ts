import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeName, eventTypeNames, historyEvents } from '../support/history';
import { waitFor } from '../../support/wait';
import * as activities from './activities';
import { goSignal } from './workflows-good';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows-good.ts'),
  activities,
  worker: false,
});

let broken: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  broken = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'workflows-broken.ts'),
    logger: new DefaultLogger('WARN'),
  });
});

describe('workflow task failure (non-determinism) is retried', () => {
  it('a non-deterministic task fails once in history, the run stays open, and a fixed worker finishes it', async () => {
    const taskQueue = uniqueId('wft-failure');
    const handle = await suite.client.workflow.start('fragile', {
      taskQueue,
      workflowId: uniqueId('wft-failure'),
      workflowTaskTimeout: '2 seconds',
    });

    const good = await suite.createWorker({ taskQueue });
    await good.runUntil(() =>
      waitFor('stepA to complete and the workflow to wait', async () => {
        const types = await eventTypeNames(handle);
        const i = types.lastIndexOf('ACTIVITY_TASK_COMPLETED');
        return i >= 0 && types.slice(i).includes('WORKFLOW_TASK_COMPLETED') ? true : undefined;
      }),
    );

    const bad = await suite.createWorker({ taskQueue, workflowBundle: broken });
    await bad.runUntil(async () => {
      await handle.signal(goSignal);
      await waitFor('the workflow task to fail', async () =>
        (await eventTypeNames(handle)).includes('WORKFLOW_TASK_FAILED') ? true : undefined,
      );
      await waitFor('a retry of the task to be scheduled', async () => {
        const d = await handle.describe();
        return (d.raw.pendingWorkflowTask?.attempt ?? 0) >= 2 ? true : undefined;
      });
      expect((await handle.describe()).status.name).toBe('RUNNING');
    });

    const fixed = await suite.createWorker({ taskQueue });
    await fixed.runUntil(async () => {
      expect(await handle.result()).toBe('done after a');
    });

    const events = await historyEvents(handle);
    const failures = events.filter((e) => eventTypeName(e) === 'WORKFLOW_TASK_FAILED');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.workflowTaskFailedEventAttributes?.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
    );
    expect(events.map((e) => Number(e.eventId))).toEqual(events.map((_, i) => i + 1));
    expect(eventTypeName(events.at(-1)!)).toBe('WORKFLOW_EXECUTION_COMPLETED');
  });
});
