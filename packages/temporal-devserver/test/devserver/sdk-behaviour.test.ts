// The dev server driven by the real SDK (Rust-core worker + Client), in-process on a free port.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  type Client,
  type Connection,
  QueryNotRegisteredError,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness';

const E = temporal.api.enums.v1.EventType;
const taskQueue = 'devserver-sdk';

let harness: Harness;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  harness = await startHarness(taskQueue, {
    searchAttributes: { CustomKeyword: 'KeywordList' },
    namespaces: ['other'],
  });
  ({ connection, client } = harness);
});

afterAll(async () => {
  await harness?.stop();
});

const id = (prefix: string) => `${prefix}-${randomUUID()}`;

async function eventTypes(workflowId: string, runId?: string): Promise<temporal.api.enums.v1.EventType[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).map((e) => e.eventType ?? E.EVENT_TYPE_UNSPECIFIED);
}

describe('workflows, activities, timers, signals and queries', () => {
  it('runs activities with retries, timers, signals and queries', async () => {
    const h = await client.workflow.start('basic', { taskQueue, workflowId: id('basic'), args: ['x'] });
    await expect.poll(() => h.query<string>('state'), { timeout: 10_000 }).toBe('waiting:');
    await h.signal('unblock', 'sig');
    expect(await h.result()).toBe('echo:x|sig|3');
    const types = await eventTypes(h.workflowId);
    expect(types[0]).toBe(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    expect(types.at(-1)).toBe(E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    expect(types).toContain(E.EVENT_TYPE_TIMER_FIRED);
    expect(types.filter((t) => t === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toHaveLength(2);
    // the retried activity writes one started event carrying its final attempt
    const history = await h.fetchHistory();
    const started = history
      .events!.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(started).toEqual([1, 3]);
  });

  it('delivers every signal, in order, including ones sent while a task runs', async () => {
    const h = await client.workflow.start('waitForSignals', { taskQueue, workflowId: id('signals'), args: [20] });
    for (let i = 0; i < 20; i++) await h.signal('unblock', String(i));
    expect(await h.result()).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('signal-with-start starts once and then signals the running workflow', async () => {
    const workflowId = id('sws');
    const first = await client.workflow.signalWithStart('waitForSignals', {
      taskQueue,
      workflowId,
      args: [2],
      signal: 'unblock',
      signalArgs: ['a'],
    });
    const second = await client.workflow.signalWithStart('waitForSignals', {
      taskQueue,
      workflowId,
      args: [2],
      signal: 'unblock',
      signalArgs: ['b'],
    });
    expect(second.signaledRunId).toBe(first.signaledRunId);
    expect(await first.result()).toEqual(['a', 'b']);
  });

  it('answers queries on closed workflows and maps unknown query types to QueryNotRegisteredError', async () => {
    const h = await client.workflow.start('waitForSignals', { taskQueue, workflowId: id('query'), args: [1] });
    await h.signal('unblock', 'z');
    await h.result();
    expect(await h.query('state')).toBe('z');
    await expect(h.query('nope')).rejects.toBeInstanceOf(QueryNotRegisteredError);
  });

  it('fails an activity at once on a non-retryable error type', async () => {
    const err = await client.workflow
      .execute('nonRetryable', { taskQueue, workflowId: id('nonretry') })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ActivityFailure;
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect((cause.cause as ApplicationFailure).type).toBe('Fatal');
    expect((cause.cause as ApplicationFailure).message).toBe('fatal on attempt 1');
  });

  it('times out an activity attempt (start-to-close) and gives up after the maximum attempts', async () => {
    const err = await client.workflow
      .execute('activityTimeout', { taskQueue, workflowId: id('timeout') })
      .catch((e: unknown) => e);
    const cause = (err as WorkflowFailedError).cause as ActivityFailure;
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect(cause.cause).toBeInstanceOf(TimeoutFailure);
    expect((cause.cause as TimeoutFailure).timeoutType).toBe('START_TO_CLOSE');
    expect(cause.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
  });

  it('delivers activity cancellation through the heartbeat response', async () => {
    expect(await client.workflow.execute('cancelActivity', { taskQueue, workflowId: id('cancel-act') })).toBe(
      'cancelled',
    );
  });

  it('keeps heartbeat details across activity retries', async () => {
    expect(await client.workflow.execute('heartbeatDetailsSurvive', { taskQueue, workflowId: id('hb') })).toBe(
      'attempt 3 saw details 2',
    );
  });

  it('delivers a cancel request to the workflow as Temporal does', async () => {
    const h = await client.workflow.start('cancellable', { taskQueue, workflowId: id('cancel') });
    await expect.poll(async () => (await eventTypes(h.workflowId)).includes(E.EVENT_TYPE_TIMER_STARTED)).toBe(true);
    await h.cancel();
    const err = await h.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const types = await eventTypes(h.workflowId);
    expect(types).toContain(E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
    expect(types).toContain(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    expect(types.at(-1)).toBe(E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
  });

  it('fails the workflow with the thrown ApplicationFailure', async () => {
    const err = await client.workflow
      .execute('failing', { taskQueue, workflowId: id('fail') })
      .catch((e: unknown) => e);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('MyError');
  });
});

describe('children, external signals, continue-as-new, markers', () => {
  it('runs a child workflow and reports its result to the parent', async () => {
    const workflowId = id('parent');
    expect(await client.workflow.execute('parent', { taskQueue, workflowId })).toBe(`child:v:${workflowId}`);
  });

  it('terminates a running child when the parent closes (TERMINATE policy)', async () => {
    const workflowId = id('pcp');
    const childId = await client.workflow.execute('abandonedChildParent', { taskQueue, workflowId });
    await expect.poll(async () => (await client.workflow.getHandle(childId).describe()).status.name).toBe('TERMINATED');
  });

  it('signals an external workflow and reports a missing one as a failure', async () => {
    const target = await client.workflow.start('waitForSignals', { taskQueue, workflowId: id('target'), args: [1] });
    const result = await client.workflow.execute('signalOther', {
      taskQueue,
      workflowId: id('signaller'),
      args: [target.workflowId],
    });
    expect(result).toMatch(/^missing target/);
    expect(await target.result()).toEqual(['from-workflow']);
  });

  it('continues as new, carrying the memo, and result() follows the chain', async () => {
    const h = await client.workflow.start('continuing', {
      taskQueue,
      workflowId: id('can'),
      args: [2],
      memo: { carried: 'yes' },
    });
    expect(await h.result()).toBe('done:yes:continued');
    const first = await client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
  });

  it('records local activities and patches as markers', async () => {
    const la = await client.workflow.start('localActivity', { taskQueue, workflowId: id('la') });
    expect(await la.result()).toBe('echo:local');
    expect(await eventTypes(la.workflowId)).toContain(E.EVENT_TYPE_MARKER_RECORDED);
    const p = await client.workflow.start('patchedWorkflow', { taskQueue, workflowId: id('patch') });
    expect(await p.result()).toBe(true);
    const types = await eventTypes(p.workflowId);
    expect(types).toContain(E.EVENT_TYPE_MARKER_RECORDED);
    expect(types).toContain(E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  });

  it('upserts search attributes and memo, visible in describe and list', async () => {
    const h = await client.workflow.start('upserts', { taskQueue, workflowId: id('upsert') });
    await h.result();
    const d = await h.describe();
    expect(d.searchAttributes.CustomKeyword).toEqual(['one']);
    expect(d.memo?.note).toBe('hello');
    const found: string[] = [];
    for await (const w of client.workflow.list({ query: `CustomKeyword = 'one' AND WorkflowId = '${h.workflowId}'` }))
      found.push(w.workflowId);
    expect(found).toEqual([h.workflowId]);
    expect((await client.workflow.count(`WorkflowId = '${h.workflowId}'`)).count).toBe(1);
  });
});

describe('workflow tasks', () => {
  it('retries a failing workflow task without writing an event per failed attempt', async () => {
    const h = await client.workflow.start('failsTaskOnBadSignal', {
      taskQueue,
      workflowId: id('wft'),
      workflowTaskTimeout: '1s',
    });
    await h.signal('unblock', 'bad');
    // Core reports the first failure; later attempts time out (1 s here) and are retried as transient tasks.
    await expect
      .poll(
        async () =>
          (
            await connection.workflowService.describeWorkflowExecution({
              namespace: 'default',
              execution: { workflowId: h.workflowId },
            })
          ).pendingWorkflowTask?.attempt ?? 0,
        { timeout: 15_000 },
      )
      .toBeGreaterThanOrEqual(3);
    const types = await eventTypes(h.workflowId);
    expect(types.filter((t) => t === E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)).toHaveLength(0);
    expect(types.filter((t) => t === E.EVENT_TYPE_WORKFLOW_TASK_FAILED).length).toBeLessThanOrEqual(2);
    expect(types.at(-1)).toBe(E.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    await h.terminate('done');
    expect((await eventTypes(h.workflowId)).at(-1)).toBe(E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
  });

  it('rejects completing a workflow while new events wait (unhandled command), then delivers them', async () => {
    const h = await client.workflow.start('returnsSignalsAfterLocalActivity', {
      taskQueue,
      workflowId: id('unhandled'),
    });
    await new Promise((r) => setTimeout(r, 200));
    await h.signal('unblock', 'late');
    expect(await h.result()).toEqual(['late']);
    const history = await h.fetchHistory();
    const causes = history
      .events!.filter((e) => e.workflowTaskFailedEventAttributes)
      .map((e) => e.workflowTaskFailedEventAttributes!.cause);
    expect(causes).toEqual([
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    ]);
  });
});

describe('errors', () => {
  it('answers ALREADY_EXISTS for a running workflow id', async () => {
    const workflowId = id('dup');
    await client.workflow.start('waitForSignals', { taskQueue, workflowId, args: [1] });
    await expect(client.workflow.start('waitForSignals', { taskQueue, workflowId, args: [1] })).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    await client.workflow.getHandle(workflowId).terminate();
  });

  it('answers UNIMPLEMENTED naming the method', async () => {
    const err = await connection.workflowService.listBatchOperations({ namespace: 'default' }).catch((e: unknown) => e);
    expect((err as { code: number }).code).toBe(status.UNIMPLEMENTED);
    expect((err as Error).message).toContain('ListBatchOperations');
  });

  it('answers INVALID_ARGUMENT for a bad request and NOT_FOUND for an unknown namespace', async () => {
    const bad = await connection.workflowService
      .startWorkflowExecution({ namespace: 'default', workflowType: { name: 'x' }, taskQueue: { name: 'q' } })
      .catch((e: unknown) => e);
    expect((bad as { code: number }).code).toBe(status.INVALID_ARGUMENT);
    expect((bad as Error).message).toContain('WorkflowId');
    const missing = await connection.workflowService.describeNamespace({ namespace: 'nope' }).catch((e: unknown) => e);
    expect((missing as { code: number }).code).toBe(status.NOT_FOUND);
    expect((await connection.workflowService.describeNamespace({ namespace: 'other' })).namespaceInfo?.name).toBe(
      'other',
    );
  });

  it('answers INVALID_ARGUMENT for a malformed list filter', async () => {
    const err = await connection.workflowService
      .listWorkflowExecutions({ namespace: 'default', query: 'WorkflowId = ' })
      .catch((e: unknown) => e);
    expect((err as { code: number }).code).toBe(status.INVALID_ARGUMENT);
  });
});
