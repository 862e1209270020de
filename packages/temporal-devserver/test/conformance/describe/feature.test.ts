import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { defineSuite, uniqueId } from '../support/suite';
import { waitFor } from '../../support/wait';
import * as activities from './activities';
import { parentWithPendingWork, releaseSignal } from './workflows';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows.ts'),
  activities: { blockUntilReleased: activities.blockUntilReleased },
});

const { PendingActivityState, ParentClosePolicy } = temporal.api.enums.v1;

describe('describe workflow execution', () => {
  it('shows type, queue, status, pending activities and pending children', async () => {
    const key = uniqueId('activity');
    const childId = uniqueId('describe-child');
    const handle = await suite.client.workflow.start(parentWithPendingWork, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('describe-parent'),
      args: [key, childId],
    });

    const running = await waitFor('a started activity and a started child', async () => {
      const d = await handle.describe();
      const activity = d.raw.pendingActivities?.[0];
      const child = d.raw.pendingChildren?.[0];
      return activity?.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && child?.runId ? d : undefined;
    });
    expect(running.type).toBe('parentWithPendingWork');
    expect(running.taskQueue).toBe(suite.taskQueue);
    expect(running.status.name).toBe('RUNNING');
    expect(running.runId).toBe(handle.firstExecutionRunId);
    expect(running.startTime).toBeInstanceOf(Date);
    expect(running.closeTime).toBeUndefined();
    expect(running.historyLength).toBeGreaterThan(3);

    expect(running.raw.pendingActivities).toHaveLength(1);
    const activity = running.raw.pendingActivities![0]!;
    expect(activity.activityType?.name).toBe('blockUntilReleased');
    expect(activity.attempt).toBe(1);
    expect(activity.activityId).toMatch(/\S/);

    expect(running.raw.pendingChildren).toHaveLength(1);
    const child = running.raw.pendingChildren![0]!;
    expect(child.workflowId).toBe(childId);
    expect(child.workflowTypeName).toBe('waitForRelease');
    expect(child.parentClosePolicy).toBe(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON);

    const childDescription = await suite.client.workflow.getHandle(childId).describe();
    expect(childDescription.parentExecution).toEqual({
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
    });

    activities.release(key);
    await suite.client.workflow.getHandle(childId).signal(releaseSignal);
    expect(await handle.result()).toEqual([`activity ${key} released`, 'child released']);

    const closed = await handle.describe();
    expect(closed.status.name).toBe('COMPLETED');
    expect(closed.closeTime).toBeInstanceOf(Date);
    expect(closed.raw.pendingActivities ?? []).toHaveLength(0);
    expect(closed.raw.pendingChildren ?? []).toHaveLength(0);
  });
});
