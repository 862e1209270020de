import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { defineSuite, uniqueId } from '../support/suite';
import { waitFor } from '../../support/wait';
import { cronCounter } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

const COMPLETED = temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;

describe('cronSchedule on start', () => {
  it('each run starts at a cron time, sees the schedule and the previous run result; terminate ends the chain', async () => {
    const workflowId = uniqueId('cron');
    const handle = await suite.client.workflow.start(cronCounter, {
      taskQueue: suite.taskQueue,
      workflowId,
      cronSchedule: '@every 1s',
    });
    const first = await handle.describe();
    // The first run waits for the next cron time: its execution time is after its start time.
    expect(first.executionTime!.getTime()).toBeGreaterThan(first.startTime.getTime());
    const runs = await waitFor('two completed runs', async () => {
      const { executions } = await suite.client.workflowService.listWorkflowExecutions({
        namespace: suite.client.options.namespace,
        query: `WorkflowId = '${workflowId}'`,
      });
      const completed = executions.filter((e) => e.status === COMPLETED);
      return completed.length >= 2 ? completed : undefined;
    });
    const results: unknown[] = [];
    for (const run of runs.reverse()) {
      const history = await suite.client.workflow.getHandle(workflowId, run.execution!.runId!).fetchHistory();
      const close = history.events!.at(-1)!;
      expect(close.workflowExecutionCompletedEventAttributes?.newExecutionRunId).toBeTruthy();
      const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
      expect(started.cronSchedule).toBe('@every 1s');
      const payload = close.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!;
      results.push(JSON.parse(Buffer.from(payload.data!).toString('utf8')));
    }
    expect(results.slice(0, 2)).toEqual([
      { count: 1, cronSchedule: '@every 1s' },
      { count: 2, cronSchedule: '@every 1s' },
    ]);
    await handle.terminate('enough');
    expect((await handle.describe()).status.name).toBe('TERMINATED');
  });

  it('an invalid cron string is refused at start with INVALID_ARGUMENT', async () => {
    const err: unknown = await suite.client.workflow
      .start(cronCounter, {
        taskQueue: suite.taskQueue,
        workflowId: uniqueId('cron-bad'),
        cronSchedule: 'every minute',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const cause = (err as { cause?: { code?: number; details?: string } } | undefined)?.cause;
    expect(cause?.code).toBe(3); // INVALID_ARGUMENT
    expect(cause?.details).toMatch(/invalid CronSchedule/i);
  });
});
