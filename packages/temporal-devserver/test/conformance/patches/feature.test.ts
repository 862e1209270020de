import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeName, eventTypeNames, historyEvents } from '../support/history';
import { waitFor } from '../../support/wait';
import * as activities from './activities';
import { goSignal } from './workflows-v1';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows-v1.ts'),
  activities,
  worker: false,
});

let v2: WorkflowBundleWithSourceMap;
let v3: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  const logger = new DefaultLogger('WARN');
  [v2, v3] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflows-v2.ts'), logger }),
    bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflows-v3.ts'), logger }),
  ]);
});

/** Runs a worker with `bundle` until `fn` settles; a fresh worker has an empty cache, so it replays. */
async function withWorker<T>(taskQueue: string, bundle: WorkflowBundleWithSourceMap, fn: () => Promise<T>) {
  const worker = await suite.createWorker({ taskQueue, workflowBundle: bundle });
  return worker.runUntil(fn);
}

async function waitUntilBlockedOnSignal(handle: WorkflowHandle): Promise<void> {
  await waitFor('the step to complete and the workflow to wait for go', async () => {
    const types = await eventTypeNames(handle);
    const completed = types.lastIndexOf('ACTIVITY_TASK_COMPLETED');
    return completed >= 0 && types.slice(completed).includes('WORKFLOW_TASK_COMPLETED') ? true : undefined;
  });
}

describe('patches (patched / deprecatePatch)', () => {
  it('a run started on v1 replays on v2 through the old branch; a new v2 run takes the new branch', async () => {
    const taskQueue = uniqueId('patches');
    const oldRun = await suite.client.workflow.start('versioned', { taskQueue, workflowId: uniqueId('patch-old') });
    await withWorker(taskQueue, suite.bundle, () => waitUntilBlockedOnSignal(oldRun));

    const newRun = await suite.client.workflow.start('versioned', { taskQueue, workflowId: uniqueId('patch-new') });
    await withWorker(taskQueue, v2, async () => {
      await waitUntilBlockedOnSignal(newRun);
      await oldRun.signal(goSignal);
      await newRun.signal(goSignal);
      expect(await oldRun.result()).toBe('v2: old step');
      expect(await newRun.result()).toBe('v2: new step');
    });

    const oldEvents = await historyEvents(oldRun);
    expect(oldEvents.some((e) => eventTypeName(e) === 'WORKFLOW_TASK_FAILED')).toBe(false);
    expect(oldEvents.some((e) => eventTypeName(e) === 'MARKER_RECORDED')).toBe(false);
    const markers = (await historyEvents(newRun)).filter((e) => eventTypeName(e) === 'MARKER_RECORDED');
    expect(markers).toHaveLength(1);
    expect(markers[0]!.markerRecordedEventAttributes?.markerName).toBe('core_patch');
  });

  it('a run started on v2 replays on v3 after the patch is deprecated', async () => {
    const taskQueue = uniqueId('patches-deprecated');
    const run = await suite.client.workflow.start('versioned', { taskQueue, workflowId: uniqueId('patch-v2') });
    await withWorker(taskQueue, v2, () => waitUntilBlockedOnSignal(run));
    await withWorker(taskQueue, v3, async () => {
      await run.signal(goSignal);
      expect(await run.result()).toBe('v3: new step');
    });
    expect(await eventTypeNames(run)).not.toContain('WORKFLOW_TASK_FAILED');
  });

  it('the stored histories replay cleanly offline with the code that wrote them', async () => {
    const taskQueue = uniqueId('patches-replay');
    const run = await suite.client.workflow.start('versioned', { taskQueue, workflowId: uniqueId('patch-replay') });
    await withWorker(taskQueue, v2, async () => {
      await waitUntilBlockedOnSignal(run);
      await run.signal(goSignal);
      await run.result();
    });
    const history = await run.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: v2 }, history, run.workflowId);
    await Worker.runReplayHistory({ workflowBundle: v3 }, history, run.workflowId);
  });
});
