import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { defineSuite, uniqueId } from '../support/suite';
import { add, counter, finish } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

function start() {
  return suite.client.workflow.start(counter, { taskQueue: suite.taskQueue, workflowId: uniqueId('updates') });
}

describe('workflow updates', () => {
  it('executeUpdate returns the handler result; accepted and completed updates are history events', async () => {
    const handle = await start();
    expect(await handle.executeUpdate(add, { args: [2] })).toBe(2);
    expect(await handle.executeUpdate(add, { args: [3] })).toBe(5);
    await handle.signal(finish);
    expect(await handle.result()).toBe(5);
    const types = (await handle.fetchHistory()).events!.map((e) => e.eventType);
    const E = temporal.api.enums.v1.EventType;
    expect(types.filter((t) => t === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(2);
    expect(types.filter((t) => t === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)).toHaveLength(2);
  });

  it('a validator that throws rejects the update: the caller gets the failure, history records nothing of it', async () => {
    const handle = await start();
    const error = await handle.executeUpdate(add, { args: [-1] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((error as WorkflowUpdateFailedError).cause?.message).toBe('cannot add -1');
    expect(await handle.executeUpdate(add, { args: [4] })).toBe(4);
    await handle.signal(finish);
    expect(await handle.result()).toBe(4);
    const E = temporal.api.enums.v1.EventType;
    const types = (await handle.fetchHistory()).events!.map((e) => e.eventType);
    expect(types.filter((t) => t === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(1);
  });

  it('a rejected update on an idle workflow leaves history as it was: its workflow task is speculative', async () => {
    const handle = await start();
    const E = temporal.api.enums.v1.EventType;
    const eventTypes = async () => (await handle.fetchHistory()).events!.map((e) => e.eventType);
    // Idle: the first workflow task completed and nothing else is pending.
    await vi.waitFor(async () => expect((await eventTypes()).at(-1)).toBe(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), {
      timeout: 30_000,
      interval: 100,
    });
    const before = await eventTypes();
    const error = await handle.executeUpdate(add, { args: [-5] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await eventTypes()).toEqual(before);
    // The workflow goes on as if the update never came.
    expect(await handle.executeUpdate(add, { args: [6] })).toBe(6);
    await handle.signal(finish);
    expect(await handle.result()).toBe(6);
    const after = await eventTypes();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.filter((t) => t === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(1);
    expect(after.filter((t) => t === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED)).toHaveLength(0);
  });

  it('startUpdate waits for the accepted stage; the result comes later from the handle', async () => {
    const handle = await start();
    const update = await handle.startUpdate(add, { args: [7], waitForStage: WorkflowUpdateStage.ACCEPTED });
    expect(await update.result()).toBe(7);
    expect(await handle.getUpdateHandle<number>(update.updateId).result()).toBe(7);
    await handle.signal(finish);
    expect(await handle.result()).toBe(7);
  });

  it('the same update id twice runs the handler once and answers both with its result', async () => {
    const handle = await start();
    const updateId = uniqueId('same-update');
    expect(await handle.executeUpdate(add, { args: [10], updateId })).toBe(10);
    expect(await handle.executeUpdate(add, { args: [10], updateId })).toBe(10);
    await handle.signal(finish);
    expect(await handle.result()).toBe(10);
  });
});
