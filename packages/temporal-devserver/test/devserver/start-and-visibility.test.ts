// Start policies, timeouts, metadata, describe, history paging, queries riding on tasks and list paging.
import { randomUUID } from 'node:crypto';
import {
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type Connection,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness';

const enums = temporal.api.enums.v1;
const taskQueue = 'devserver-start';

let harness: Harness;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  harness = await startHarness(taskQueue);
  ({ connection, client } = harness);
});

afterAll(async () => {
  await harness?.stop();
});

const id = (prefix: string) => `${prefix}-${randomUUID()}`;

function rawStart(
  workflowId: string,
  extra: Partial<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest> = {},
) {
  return connection.workflowService.startWorkflowExecution({
    namespace: 'default',
    workflowId,
    workflowType: { name: 'waitForSignals' },
    taskQueue: { name: taskQueue },
    requestId: randomUUID(),
    ...extra,
  });
}

describe('start policies', () => {
  it('dedupes a start by request id', async () => {
    const workflowId = id('dedupe');
    const requestId = randomUUID();
    const a = await rawStart(workflowId, { requestId });
    const b = await rawStart(workflowId, { requestId });
    expect(b.runId).toBe(a.runId);
    await client.workflow.getHandle(workflowId).terminate();
  });

  it('applies id conflict policies to a running workflow', async () => {
    const workflowId = id('conflict');
    const first = await rawStart(workflowId);
    const same = await rawStart(workflowId, {
      workflowIdConflictPolicy: enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    });
    expect(same.runId).toBe(first.runId);
    expect(same.started).toBe(false);
    const replaced = await rawStart(workflowId, {
      workflowIdConflictPolicy: enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
    });
    expect(replaced.runId).not.toBe(first.runId);
    expect((await client.workflow.getHandle(workflowId, first.runId).describe()).status.name).toBe('TERMINATED');
    await client.workflow.getHandle(workflowId).terminate();
  });

  it('applies id reuse policies to a closed workflow', async () => {
    const workflowId = id('reuse');
    await client.workflow.execute('child', { taskQueue, workflowId, args: ['a'] });
    await expect(
      client.workflow.start('child', { taskQueue, workflowId, args: ['b'], workflowIdReusePolicy: 'REJECT_DUPLICATE' }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(
      client.workflow.start('child', {
        taskQueue,
        workflowId,
        args: ['b'],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect(await client.workflow.execute('child', { taskQueue, workflowId, args: ['c'] })).toBe('child:c:none');
  });

  it('times a run out after its run timeout', async () => {
    const err = await client.workflow
      .execute('sleeper', { taskQueue, workflowId: id('run-timeout'), args: [60_000], workflowRunTimeout: '300ms' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
  });
});

describe('describe and history', () => {
  it('returns static summary/details, pending activities and pending children', async () => {
    const h = await client.workflow.start('activityUntilSignal', {
      taskQueue,
      workflowId: id('describe'),
      staticSummary: 'the summary',
      staticDetails: 'the details',
    });
    await expect.poll(async () => (await h.describe()).raw.pendingActivities?.length ?? 0, { timeout: 15_000 }).toBe(1);
    const d = await h.describe();
    expect(await d.staticSummary()).toBe('the summary');
    expect(await d.staticDetails()).toBe('the details');
    expect(d.raw.pendingActivities![0]!.activityType?.name).toBe('heartbeatUntilCancelled');
    await h.signal('unblock', 'go');
    expect(await h.result()).toBe('cancelled');

    const parent = await client.workflow.start('parentWaitingOnChild', { taskQueue, workflowId: id('pending-child') });
    await expect
      .poll(async () => (await parent.describe()).raw.pendingChildren?.length ?? 0, { timeout: 15_000 })
      .toBe(1);
    await client.workflow.getHandle(`${parent.workflowId}-child`).signal('unblock', 'x');
    expect(await parent.result()).toEqual(['x']);
    expect((await parent.describe()).raw.pendingChildren ?? []).toHaveLength(0);
  });

  it('pages history', async () => {
    const h = await client.workflow.start('basic', { taskQueue, workflowId: id('paging'), args: ['p'] });
    await h.signal('unblock', 's');
    await h.result();
    const all = (await h.fetchHistory()).events!.map((e) => Number(e.eventId));
    const paged: number[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: h.workflowId },
        maximumPageSize: 3,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      paged.push(...page.history!.events!.map((e) => Number(e.eventId)));
      expect(page.history!.events!.length).toBeLessThanOrEqual(3);
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    expect(paged).toEqual(all);
    expect(all).toEqual(all.map((_, i) => i + 1));
  });
});

describe('queries and lists', () => {
  it('answers a query attached to the next workflow task (the task was waiting when the query came)', async () => {
    const queue = `attached-${randomUUID()}`;
    const h = await client.workflow.start('waitForSignals', {
      taskQueue: queue,
      workflowId: id('attached'),
      args: [1],
    });
    const answer = h.query<string>('state');
    await new Promise((r) => setTimeout(r, 100));
    const worker = await harness.newWorker(queue);
    expect(await worker.runUntil(answer)).toBe('');
    await h.terminate();
  });

  it('lists with a filter and pages through the matches', async () => {
    const prefix = id('listed');
    for (let i = 0; i < 5; i++)
      await client.workflow.execute('child', { taskQueue, workflowId: `${prefix}-${i}`, args: [String(i)] });
    const seen: string[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.listWorkflowExecutions({
        namespace: 'default',
        pageSize: 2,
        ...(nextPageToken ? { nextPageToken } : {}),
        query: `WorkflowId STARTS_WITH '${prefix}' AND ExecutionStatus = 'Completed' ORDER BY WorkflowId`,
      });
      expect(page.executions.length).toBeLessThanOrEqual(2);
      seen.push(...page.executions.map((e) => e.execution!.workflowId!));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`));
    const count = await connection.workflowService.countWorkflowExecutions({
      namespace: 'default',
      query: `WorkflowId STARTS_WITH '${prefix}' GROUP BY ExecutionStatus`,
    });
    expect(Number(count.count)).toBe(5);
    expect(count.groups).toHaveLength(1);
  });
});
