// Client-facing WorkflowService methods on workflow executions.
import type { temporal } from '@temporalio/proto';
import { status } from '@grpc/grpc-js';
import { describeExecution, statusCode } from './describe';
import type { Engine } from './engine';
import { ApiError, invalidArgument, notFound, requireString, workflowNotFound } from './errors';
import type { Execution } from './execution';
import type { CallContext, WorkflowServiceHandlers } from './grpc';
import type { HistoryEvent } from './history';
import { enums, type Message } from './proto';
import { startParams } from './start-request';
import { stageNumber } from './updates';

/** Long polls end with an empty answer well before the SDK's own deadlines. */
export const LONG_POLL_MS = 20_000;
const DEFAULT_HISTORY_PAGE = 1000;
const QUERY_TIMEOUT_MS = 60_000;

interface HistoryPageToken {
  runId: string;
  nextEventId: number;
}

function encodePageToken(t: HistoryPageToken): Buffer {
  return Buffer.from(JSON.stringify(t));
}

function decodePageToken(bytes: Uint8Array | undefined): HistoryPageToken | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as HistoryPageToken;
  } catch {
    throw invalidArgument('Invalid NextPageToken.');
  }
}

/**
 * Long-polls until the update reaches the stage asked for (default: accepted, Temporal's minimum wait), then answers
 * with the stage reached and, once completed, its outcome. Answers early with the stage reached so far when the long
 * poll runs out; the SDK then polls again with PollWorkflowExecutionUpdate.
 */
async function waitForUpdate(
  exec: Execution,
  updateId: string,
  wanted: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage | undefined,
  ctx: CallContext,
): Promise<Message> {
  const Stage = enums.UpdateWorkflowExecutionLifecycleStage;
  const target =
    wanted === Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
      ? Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
      : Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
  const deadline = Date.now() + LONG_POLL_MS;
  // Held, not looked up again: a rejected update leaves the registry but its waiters still get its outcome.
  const update = exec.updates.get(updateId);
  if (!update) throw notFound('workflow execution already completed');
  for (;;) {
    const stage = stageNumber(update.stage);
    const answer = (): Message => ({
      updateRef: { workflowExecution: { workflowId: exec.workflowId, runId: exec.runId }, updateId },
      stage,
      ...(update.outcome ? { outcome: update.outcome } : {}),
    });
    if (stage >= target) return answer();
    if (!exec.isRunning) throw notFound('workflow execution already completed');
    const left = deadline - Date.now();
    if (left <= 0 || ctx.isCancelled()) return answer();
    await exec.updates.waitForChange(update, left, ctx.onCancel);
  }
}

/** Long-polls until `done()` holds, the caller goes away or LONG_POLL_MS passes. */
async function waitUntil(exec: Execution, ctx: CallContext, done: () => boolean): Promise<void> {
  const deadline = Date.now() + LONG_POLL_MS;
  while (!done() && !ctx.isCancelled() && Date.now() < deadline) {
    await exec.history.waitForChange(deadline - Date.now(), (cb) => ctx.onCancel(cb));
  }
}

export function workflowHandlers(engine: Engine): WorkflowServiceHandlers {
  return {
    StartWorkflowExecution: (req, ctx) => {
      const { exec, started } = engine.start(req.namespace ?? '', startParams(engine, ctx.method, req));
      return { runId: exec.runId, started, status: statusCode(exec.status) };
    },

    SignalWithStartWorkflowExecution: (req, ctx) => {
      const signalName = requireString(req.signalName, 'SignalName');
      const params = startParams(engine, ctx.method, req);
      const { exec, started } = engine.start(req.namespace ?? '', {
        ...params,
        signal: { name: signalName, input: req.signalInput, header: req.header },
      });
      return { runId: exec.runId, started };
    },

    UpdateWorkflowExecution: async (req, ctx) => {
      const workflowId = requireString(req.workflowExecution?.workflowId, 'WorkflowId');
      const request = req.request ?? {};
      const updateId = requireString(request.meta?.updateId, 'UpdateId');
      requireString(request.input?.name, 'Update name');
      const exec = engine.find(req.namespace, workflowId, req.workflowExecution?.runId);
      if (req.firstExecutionRunId && exec.start.firstRunId !== req.firstExecutionRunId)
        throw workflowNotFound(workflowId);
      // The same update id again (a client retry) joins the first request: never applied twice.
      if (!exec.updates.get(updateId)) {
        if (!exec.isRunning) throw notFound('workflow execution already completed');
        exec.updates.admit(request);
      }
      return waitForUpdate(exec, updateId, req.waitPolicy?.lifecycleStage, ctx);
    },

    PollWorkflowExecutionUpdate: async (req, ctx) => {
      const ref = req.updateRef;
      const workflowId = requireString(ref?.workflowExecution?.workflowId, 'WorkflowId');
      const updateId = requireString(ref?.updateId, 'UpdateId');
      const exec = engine.find(req.namespace, workflowId, ref?.workflowExecution?.runId);
      if (!exec.updates.get(updateId)) throw notFound(`update ${updateId} not found`);
      return waitForUpdate(exec, updateId, req.waitPolicy?.lifecycleStage, ctx);
    },

    SignalWorkflowExecution: (req) => {
      const exec = engine.findRunning(req.namespace, req.workflowExecution?.workflowId, req.workflowExecution?.runId);
      const signalName = requireString(req.signalName, 'SignalName');
      if (req.requestId) {
        const key = `signal:${req.requestId}`;
        if (exec.requestIds.has(key)) return {};
        exec.requestIds.add(key);
      }
      engine.signal(exec, signalName, req.input, req.header, req.identity);
      return {};
    },

    RequestCancelWorkflowExecution: (req) => {
      const exec = engine.findRunning(req.namespace, req.workflowExecution?.workflowId, req.workflowExecution?.runId);
      engine.requestCancel(exec, req.reason, req.identity);
      return {};
    },

    TerminateWorkflowExecution: (req) => {
      const exec = engine.findRunning(req.namespace, req.workflowExecution?.workflowId, req.workflowExecution?.runId);
      engine.terminate(exec, req.reason, req.details, req.identity);
      return {};
    },

    DescribeWorkflowExecution: (req) =>
      describeExecution(engine.find(req.namespace, req.execution?.workflowId, req.execution?.runId)),

    QueryWorkflow: async (req, ctx) => {
      const exec = engine.find(req.namespace, req.execution?.workflowId, req.execution?.runId);
      if (!req.query?.queryType) throw invalidArgument('QueryType is not set on request.');
      const RC = enums.QueryRejectCondition;
      const rejected =
        (req.queryRejectCondition === RC.QUERY_REJECT_CONDITION_NOT_OPEN && !exec.isRunning) ||
        (req.queryRejectCondition === RC.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY &&
          !['Running', 'Completed'].includes(exec.status));
      if (rejected) return { queryRejected: { status: statusCode(exec.status) } };
      const { pending, outcome } = engine.queries.create(req.query);
      const timer = setTimeout(
        () => pending.settle({ kind: 'failed', message: 'query timed out: no worker answered' }),
        QUERY_TIMEOUT_MS,
      );
      ctx.onCancel(() => pending.settle({ kind: 'failed', message: 'query cancelled by the caller' }));
      exec.query(pending);
      engine.changed();
      const result = await outcome;
      clearTimeout(timer);
      if (result.kind === 'answered') return { queryResult: result.result };
      if (result.message.startsWith('query timed out')) throw new ApiError(status.DEADLINE_EXCEEDED, result.message);
      throw new ApiError(
        status.INVALID_ARGUMENT,
        result.message,
        result.failure
          ? { typeName: 'temporal.api.errordetails.v1.QueryFailedFailure', value: { failure: result.failure } }
          : undefined,
      );
    },

    GetWorkflowExecutionHistory: async (req, ctx) => {
      const token = decodePageToken(req.nextPageToken);
      const exec = engine.find(req.namespace, req.execution?.workflowId, token?.runId ?? req.execution?.runId);
      if (req.historyEventFilterType === enums.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT) {
        if (req.waitNewEvent) await waitUntil(exec, ctx, () => !exec.isRunning);
        const close = exec.closeEvent;
        if (close) return { history: { events: [close] } };
        return {
          history: { events: [] },
          nextPageToken: req.waitNewEvent ? encodePageToken({ runId: exec.runId, nextEventId: 0 }) : undefined,
        };
      }
      const from = token?.nextEventId || 1;
      if (req.waitNewEvent) await waitUntil(exec, ctx, () => !exec.isRunning || from < exec.history.nextEventId);
      const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : DEFAULT_HISTORY_PAGE;
      const events: HistoryEvent[] = exec.history.slice(from, from + pageSize);
      const next = from + events.length;
      const more = next < exec.history.nextEventId || (req.waitNewEvent && exec.isRunning);
      return {
        history: { events },
        nextPageToken: more ? encodePageToken({ runId: exec.runId, nextEventId: next }) : undefined,
      };
    },

    GetWorkflowExecutionHistoryReverse: (req) => {
      const token = decodePageToken(req.nextPageToken);
      const exec = engine.find(req.namespace, req.execution?.workflowId, token?.runId ?? req.execution?.runId);
      const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : DEFAULT_HISTORY_PAGE;
      const end = token?.nextEventId || exec.history.nextEventId - 1;
      const start = Math.max(1, end - pageSize + 1);
      const events = exec.history.slice(start, end + 1).reverse();
      return {
        history: { events },
        nextPageToken: start > 1 ? encodePageToken({ runId: exec.runId, nextEventId: start - 1 }) : undefined,
      };
    },
  };
}
