import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetryState } from '@temporalio/common';
import type { RetryPolicy } from '@temporalio/common';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeNames } from '../support/history';
import * as activities from './activities';
import { runActivity } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts'), activities });

async function run(name: Parameters<typeof runActivity>[0], args: unknown[], retry: RetryPolicy) {
  const handle = await suite.client.workflow.start(runActivity, {
    taskQueue: suite.taskQueue,
    workflowId: uniqueId(`activity-${name}`),
    args: [name, args, retry],
  });
  return { handle, outcome: await handle.result() };
}

const fast: RetryPolicy = { initialInterval: '50 ms', backoffCoefficient: 1 };

describe('activities: complete, fail, retry', () => {
  it('a completed activity returns its result to the workflow', async () => {
    const { handle, outcome } = await run('greet', ['tact'], fast);
    expect(outcome).toEqual({ failed: false, value: 'hello tact' });
    expect(await eventTypeNames(handle)).toEqual(
      expect.arrayContaining(['ACTIVITY_TASK_SCHEDULED', 'ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED']),
    );
  });

  it('retries until success; Context.current().info.attempt counts from 1', async () => {
    const key = uniqueId('flaky');
    const { handle, outcome } = await run('flaky', [key, 3], fast);
    expect(outcome).toEqual({ failed: false, value: 3 });
    expect(activities.attemptLog.get(key)!.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const events = await eventTypeNames(handle);
    expect(events.filter((e) => e === 'ACTIVITY_TASK_SCHEDULED')).toHaveLength(1);
    expect(events.filter((e) => e === 'ACTIVITY_TASK_STARTED')).toHaveLength(1);
    expect(events).not.toContain('ACTIVITY_TASK_FAILED');
  });

  it('waits the retry policy backoff between attempts (initial interval × coefficient^n)', async () => {
    const key = uniqueId('backoff');
    await run('flaky', [key, 3], { initialInterval: '400 ms', backoffCoefficient: 2, maximumInterval: '10 s' });
    const times = activities.attemptLog.get(key)!.map((a) => a.at);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(380);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(780);
  });

  it('gives up after maximumAttempts with the last failure as cause', async () => {
    const key = uniqueId('max-attempts');
    const { handle, outcome } = await run('alwaysFails', [key, 'Transient'], { ...fast, maximumAttempts: 3 });
    expect(outcome).toEqual({
      failed: true,
      activityType: 'alwaysFails',
      retryState: String(RetryState.MAXIMUM_ATTEMPTS_REACHED),
      causeType: 'Transient',
      causeMessage: 'always fails (Transient)',
      causeDetails: [{ detail: 42 }],
    });
    expect(activities.attemptLog.get(key)!.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const events = await eventTypeNames(handle);
    expect(events.filter((e) => e === 'ACTIVITY_TASK_FAILED')).toHaveLength(1);
  });

  it('does not retry error types listed in nonRetryableErrorTypes', async () => {
    const key = uniqueId('non-retryable-type');
    const { outcome } = await run('alwaysFails', [key, 'Fatal'], { ...fast, nonRetryableErrorTypes: ['Fatal'] });
    expect(outcome).toMatchObject({
      failed: true,
      retryState: String(RetryState.NON_RETRYABLE_FAILURE),
      causeType: 'Fatal',
    });
    expect(activities.attemptLog.get(key)).toHaveLength(1);
  });

  it('does not retry a failure the activity marks non-retryable', async () => {
    const key = uniqueId('non-retryable-flag');
    const { outcome } = await run('failsNonRetryable', [key], fast);
    expect(outcome).toMatchObject({
      failed: true,
      retryState: String(RetryState.NON_RETRYABLE_FAILURE),
      causeType: 'Permanent',
      causeMessage: 'cannot ever work',
    });
    expect(activities.attemptLog.get(key)).toHaveLength(1);
  });
});
