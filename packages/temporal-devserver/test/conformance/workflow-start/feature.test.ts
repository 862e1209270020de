import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { status as grpcStatus } from '@grpc/grpc-js';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { grpcCode, thrown } from '../support/errors';
import { defineSuite, uniqueId } from '../support/suite';
import { conformanceInt, conformanceKeyword, conformanceSearchAttributes } from '../support/search-attributes';
import { finishSignal, startInfoQuery, waitForFinish } from './workflows';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows.ts'),
  searchAttributes: conformanceSearchAttributes,
});

async function startWaiting(
  workflowId: string,
  extra: Record<string, unknown> = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return suite.client.workflow.start(waitForFinish, { taskQueue: suite.taskQueue, workflowId, ...extra });
}

async function finish(handle: WorkflowHandle, how: 'complete' | 'fail'): Promise<void> {
  await handle.signal(finishSignal, how);
  await handle.result().catch(() => undefined);
}

describe('start: request id dedupe', () => {
  it('a retried StartWorkflowExecution with the same requestId returns the same run', async () => {
    const service = suite.client.connection.workflowService;
    const request = {
      namespace: suite.client.options.namespace,
      workflowId: uniqueId('start-dedupe'),
      workflowType: { name: 'waitForFinish' },
      taskQueue: { name: suite.taskQueue },
      requestId: randomUUID(),
      identity: 'conformance',
    };
    const first = await service.startWorkflowExecution(request);
    const second = await service.startWorkflowExecution(request);
    expect(first.runId).toMatch(/\S/);
    expect(second.runId).toBe(first.runId);

    await expect(service.startWorkflowExecution({ ...request, requestId: randomUUID() })).rejects.toMatchObject({
      code: grpcStatus.ALREADY_EXISTS,
    });
    await finish(suite.client.workflow.getHandle(request.workflowId), 'complete');
  });
});

describe('start: id conflict policy (a run with that id is open)', () => {
  it('defaults to FAIL: WorkflowExecutionAlreadyStartedError naming the workflow', async () => {
    const workflowId = uniqueId('conflict-fail');
    const first = await startWaiting(workflowId);
    const err = await startWaiting(workflowId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect((err as WorkflowExecutionAlreadyStartedError).workflowId).toBe(workflowId);
    expect((err as WorkflowExecutionAlreadyStartedError).workflowType).toBe('waitForFinish');
    await finish(first, 'complete');
  });

  it('USE_EXISTING returns the running run instead of starting one', async () => {
    const workflowId = uniqueId('conflict-use-existing');
    const first = await startWaiting(workflowId);
    const second = await startWaiting(workflowId, { workflowIdConflictPolicy: 'USE_EXISTING' });
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await finish(first, 'complete');
    expect((await first.describe()).status.name).toBe('COMPLETED');
  });

  it('TERMINATE_EXISTING terminates the running run and starts a new one', async () => {
    const workflowId = uniqueId('conflict-terminate');
    const first = await startWaiting(workflowId);
    const second = await startWaiting(workflowId, { workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    const firstRun = suite.client.workflow.getHandle(workflowId, first.firstExecutionRunId);
    expect((await firstRun.describe()).status.name).toBe('TERMINATED');
    expect((await second.describe()).status.name).toBe('RUNNING');
    await finish(second, 'complete');
  });
});

describe('start: id reuse policy (the last run with that id is closed)', () => {
  it('ALLOW_DUPLICATE (default) starts a new run after completion', async () => {
    const workflowId = uniqueId('reuse-allow');
    const first = await startWaiting(workflowId);
    await finish(first, 'complete');
    const second = await startWaiting(workflowId);
    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    await finish(second, 'complete');
  });

  it('REJECT_DUPLICATE refuses any new run', async () => {
    const workflowId = uniqueId('reuse-reject');
    const first = await startWaiting(workflowId);
    await finish(first, 'fail');
    await expect(startWaiting(workflowId, { workflowIdReusePolicy: 'REJECT_DUPLICATE' })).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
  });

  it('ALLOW_DUPLICATE_FAILED_ONLY refuses after success and allows after failure or termination', async () => {
    const policy = { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' };
    const completedId = uniqueId('reuse-failed-only-completed');
    await finish(await startWaiting(completedId), 'complete');
    await expect(startWaiting(completedId, policy)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);

    const failedId = uniqueId('reuse-failed-only-failed');
    const failed = await startWaiting(failedId);
    await finish(failed, 'fail');
    await expect(failed.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const afterFailure = await startWaiting(failedId, policy);
    expect(afterFailure.firstExecutionRunId).not.toBe(failed.firstExecutionRunId);

    await afterFailure.terminate('conformance');
    const afterTermination = await startWaiting(failedId, policy);
    expect(afterTermination.firstExecutionRunId).not.toBe(afterFailure.firstExecutionRunId);
    await finish(afterTermination, 'complete');
  });
});

describe('start: memo, search attributes, user metadata', () => {
  it('memo and search attributes given at start are visible to describe and to the workflow', async () => {
    const memo = { owner: 'tact', count: 3, nested: { list: [1, 'two', null] } };
    const handle = await startWaiting(uniqueId('start-metadata'), {
      memo,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: conformanceKeyword, value: 'blue' },
        { key: conformanceInt, value: 42 },
      ]),
    });
    const description = await handle.describe();
    expect(description.memo).toEqual(memo);
    expect(description.typedSearchAttributes.get(conformanceKeyword)).toBe('blue');
    expect(description.typedSearchAttributes.get(conformanceInt)).toBe(42);

    const seen = await handle.query(startInfoQuery);
    expect(seen).toEqual({ memo, keyword: 'blue', int: 42 });
    await finish(handle, 'complete');
  });

  it('an unregistered search attribute is rejected with INVALID_ARGUMENT', async () => {
    const err = await thrown(() =>
      startWaiting(uniqueId('start-bad-sa'), { searchAttributes: { TactConfNeverRegistered: ['x'] } }),
    );
    expect(grpcCode(err)).toBe(grpcStatus.INVALID_ARGUMENT);
  });

  it('static summary and details are stored as user metadata and returned by describe', async () => {
    const handle = await startWaiting(uniqueId('start-user-metadata'), {
      staticSummary: 'Weekly digest for **user 17**',
      staticDetails: 'line one\nline two',
    });
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe('Weekly digest for **user 17**');
    expect(await description.staticDetails()).toBe('line one\nline two');
    await finish(handle, 'complete');
  });
});
