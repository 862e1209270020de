// Validation and defaults for StartWorkflowExecution / SignalWithStartWorkflowExecution requests.
import { invalidArgument, requireString, unimplemented } from './errors';
import type { Engine, StartParams } from './engine';
import type { temporal } from '@temporalio/proto';
import { msFromDuration, type Decoded } from './proto';
import { decodeSearchAttributes, SearchAttributeError } from './visibility/search-attributes';
import { SpecError } from './schedules/calendar';
import { cronBackoffMs } from './schedules/cron';

/** What StartWorkflowExecution and SignalWithStartWorkflowExecution share (the latter adds the signal). */
export type StartRequest = Decoded<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>;

export function startParams(engine: Engine, method: string, req: StartRequest): StartParams {
  const ns = engine.namespace(req.namespace);
  const workflowId = requireString(req.workflowId, 'WorkflowId');
  const workflowType = requireString(req.workflowType?.name, 'WorkflowType');
  const taskQueue = requireString(req.taskQueue?.name, 'TaskQueue');
  let startDelayMs = msFromDuration(req.workflowStartDelay);
  if (req.cronSchedule) {
    if (startDelayMs > 0) throw invalidArgument('CronSchedule and WorkflowStartDelay may not be used together.');
    let backoff: number | undefined;
    try {
      const now = engine.clock.now();
      backoff = cronBackoffMs(req.cronSchedule, now, now);
    } catch (err) {
      if (err instanceof SpecError) throw invalidArgument('invalid CronSchedule.');
      throw err;
    }
    if (backoff === undefined)
      throw invalidArgument('invalid CronSchedule, no time can be found to satisfy the schedule');
    startDelayMs = backoff;
  }
  if (req.completionCallbacks?.length)
    throw unimplemented(`${method}: completionCallbacks are not supported by the Tact dev server`);
  for (const [field, d] of [
    ['WorkflowExecutionTimeout', req.workflowExecutionTimeout],
    ['WorkflowRunTimeout', req.workflowRunTimeout],
    ['WorkflowTaskTimeout', req.workflowTaskTimeout],
    ['WorkflowStartDelay', req.workflowStartDelay],
  ] as const) {
    if (msFromDuration(d) < 0) throw invalidArgument(`Invalid ${field}.`);
  }
  let searchAttributes: Record<string, unknown> = {};
  try {
    if (req.searchAttributes?.indexedFields)
      searchAttributes = decodeSearchAttributes(req.searchAttributes.indexedFields, ns.registry);
  } catch (err) {
    if (err instanceof SearchAttributeError) throw invalidArgument(err.message);
    throw err;
  }
  for (const [k, v] of Object.entries(searchAttributes)) if (v === null) delete searchAttributes[k];
  return {
    workflowId,
    workflowType,
    taskQueue,
    input: req.input,
    header: req.header,
    memo: req.memo?.fields ?? {},
    searchAttributes,
    runTimeoutMs: msFromDuration(req.workflowRunTimeout),
    executionTimeoutMs: msFromDuration(req.workflowExecutionTimeout),
    workflowTaskTimeoutMs: msFromDuration(req.workflowTaskTimeout),
    retryPolicy: req.retryPolicy,
    requestId: req.requestId,
    identity: req.identity,
    reusePolicy: req.workflowIdReusePolicy,
    conflictPolicy: req.workflowIdConflictPolicy,
    startDelayMs,
    ...(req.cronSchedule ? { cronSchedule: req.cronSchedule } : {}),
    userMetadata: req.userMetadata,
    priority: req.priority,
  };
}
