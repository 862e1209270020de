import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetryState, TimeoutType } from '@temporalio/common';
import type { ActivityOptions } from '@temporalio/workflow';
import { defineSuite, uniqueId } from '../support/suite';
import * as activities from './activities';
import { runWithTimeouts } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts'), activities });

function run(name: Parameters<typeof runWithTimeouts>[0], args: unknown[], options: ActivityOptions) {
  return suite.client.workflow.execute(runWithTimeouts, {
    taskQueue: suite.taskQueue,
    workflowId: uniqueId(`activity-timeout-${name}`),
    args: [name, args, options],
  });
}

describe('activity timeouts', () => {
  it('start-to-close: an attempt running too long times out', async () => {
    const report = await run('slow', [5_000], { startToCloseTimeout: '1 second', retry: { maximumAttempts: 1 } });
    expect(report).toMatchObject({
      timedOut: true,
      timeoutType: String(TimeoutType.START_TO_CLOSE),
      retryState: String(RetryState.MAXIMUM_ATTEMPTS_REACHED),
    });
  });

  it('schedule-to-close: a started activity outliving its whole budget times out', async () => {
    const report = await run('slow', [5_000], { scheduleToCloseTimeout: '1 second' });
    expect(report).toMatchObject({ timedOut: true, timeoutType: String(TimeoutType.SCHEDULE_TO_CLOSE) });
  });

  it('schedule-to-start and schedule-to-close due together: schedule-to-start is reported', async () => {
    const report = await run('slow', [1], {
      taskQueue: uniqueId('nobody-polls-this-queue'),
      scheduleToCloseTimeout: '1 second',
    });
    expect(report).toMatchObject({ timedOut: true, timeoutType: String(TimeoutType.SCHEDULE_TO_START) });
  });

  it('schedule-to-start: an activity no worker picks up times out', async () => {
    const report = await run('slow', [1], {
      taskQueue: uniqueId('nobody-polls-this-queue'),
      scheduleToStartTimeout: '1 second',
      startToCloseTimeout: '10 seconds',
    });
    expect(report).toMatchObject({ timedOut: true, timeoutType: String(TimeoutType.SCHEDULE_TO_START) });
  });

  it('heartbeat: a silent activity times out and the last heartbeat details are reported', async () => {
    const report = await run('heartbeatOnceThenStall', ['halfway', 5_000], {
      startToCloseTimeout: '30 seconds',
      heartbeatTimeout: '1 second',
      retry: { maximumAttempts: 1 },
    });
    expect(report).toMatchObject({
      timedOut: true,
      timeoutType: String(TimeoutType.HEARTBEAT),
      lastHeartbeatDetails: 'halfway',
    });
  });
});
