import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import * as activities from './activities';
import { cancelActivity, resumeFromHeartbeat } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts'), activities });

describe('activity heartbeats', () => {
  it('heartbeat details survive retries: each attempt starts from the last recorded details', async () => {
    const key = uniqueId('resume');
    const result = await suite.client.workflow.execute(resumeFromHeartbeat, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('heartbeat-details'),
      args: [key],
    });
    expect(result).toBe(30);
    expect(activities.seen.get(key)).toEqual([
      { attempt: 1, details: undefined },
      { attempt: 2, details: 10 },
      { attempt: 3, details: 20 },
    ]);
  });

  it('cancelling a running activity reaches it through its heartbeat; the workflow sees the cancellation', async () => {
    const key = uniqueId('cancel');
    const handle = await suite.client.workflow.start(cancelActivity, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('heartbeat-cancel'),
      args: [key, 1_000],
    });
    expect(await handle.result()).toEqual({ cancelled: true, activityFailure: true, causeIsCancelled: true });
    expect(activities.observedCancellation.has(key)).toBe(true);
    const events = await eventTypeNames(handle);
    expect(events).toEqual(expect.arrayContaining(['ACTIVITY_TASK_CANCEL_REQUESTED', 'ACTIVITY_TASK_CANCELED']));
    expect(events.indexOf('ACTIVITY_TASK_CANCEL_REQUESTED')).toBeLessThan(events.indexOf('ACTIVITY_TASK_CANCELED'));
  });
});
