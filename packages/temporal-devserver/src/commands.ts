// Applying a completed workflow task's commands to its run. Commands are validated as a batch first,
// so a rejected batch changes nothing: the task fails with the cause and message Temporal would use.
import type { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { validateScheduleActivity, type ScheduleActivityAttributes } from './activities';
import { CommandError } from './command-error';
import type { Continuation, Execution } from './execution';
import {
  enums,
  isEmptyPayload,
  msFromDuration,
  type Decoded,
  type Duration,
  type Message,
  type Payload,
  type Payloads,
} from './proto';
import type { ProtocolMessage } from './updates';
import { successorBase, workflowRetry } from './workflow-retry';
import { cronContinuation } from './schedules/cron';
import {
  applySearchAttributeUpsert,
  decodeSearchAttributes,
  SearchAttributeError,
} from './visibility/search-attributes';

const C = enums.CommandType;
const E = enums.EventType;
const Cause = enums.WorkflowTaskFailedCause;

export interface Command {
  commandType?: temporal.api.enums.v1.CommandType | undefined;
  userMetadata?: Message | undefined;
  [attributes: string]: unknown;
}

/** Cross-run effects a batch triggers; run after the completion is committed, as Temporal's transfer tasks. */
export interface CrossRunEffects {
  startChild(parent: Execution, initiatedEventId: number, attrs: StartChildAttributes, userMetadata?: Message): void;
  signalExternal(source: Execution, initiatedEventId: number, attrs: SignalExternalAttributes): void;
  cancelExternal(source: Execution, initiatedEventId: number, attrs: CancelExternalAttributes): void;
}

export type StartChildAttributes = Decoded<temporal.api.command.v1.IStartChildWorkflowExecutionCommandAttributes>;

export type SignalExternalAttributes =
  Decoded<temporal.api.command.v1.ISignalExternalWorkflowExecutionCommandAttributes>;

export type CancelExternalAttributes =
  Decoded<temporal.api.command.v1.IRequestCancelExternalWorkflowExecutionCommandAttributes>;

type ContinueAsNewAttributes = Decoded<temporal.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes>;

const ATTRIBUTE_KEYS: Record<number, string> = {
  [C.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]: 'scheduleActivityTaskCommandAttributes',
  [C.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK]: 'requestCancelActivityTaskCommandAttributes',
  [C.COMMAND_TYPE_START_TIMER]: 'startTimerCommandAttributes',
  [C.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]: 'completeWorkflowExecutionCommandAttributes',
  [C.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION]: 'failWorkflowExecutionCommandAttributes',
  [C.COMMAND_TYPE_CANCEL_TIMER]: 'cancelTimerCommandAttributes',
  [C.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION]: 'cancelWorkflowExecutionCommandAttributes',
  [C.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION]:
    'requestCancelExternalWorkflowExecutionCommandAttributes',
  [C.COMMAND_TYPE_RECORD_MARKER]: 'recordMarkerCommandAttributes',
  [C.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION]: 'continueAsNewWorkflowExecutionCommandAttributes',
  [C.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: 'startChildWorkflowExecutionCommandAttributes',
  [C.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION]: 'signalExternalWorkflowExecutionCommandAttributes',
  [C.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]: 'upsertWorkflowSearchAttributesCommandAttributes',
  [C.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES]: 'modifyWorkflowPropertiesCommandAttributes',
  [C.COMMAND_TYPE_PROTOCOL_MESSAGE]: 'protocolMessageCommandAttributes',
};

const CLOSE_COMMANDS = new Set<number>([
  C.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  C.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  C.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  C.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

export function commandTypeName(type: temporal.api.enums.v1.CommandType | undefined): string {
  const name = Object.entries(C).find(([, v]) => v === type)?.[0];
  return name ?? `COMMAND_TYPE_${String(type)}`;
}

export function closesWorkflow(commands: Command[]): boolean {
  return commands.some((c) => CLOSE_COMMANDS.has(c.commandType ?? 0));
}

function attrs<T>(command: Command): T | undefined {
  const key = ATTRIBUTE_KEYS[command.commandType ?? 0];
  return key ? (command[key] as T | undefined) : undefined;
}

/** What a valid batch will do that the unhandled-command rule depends on. */
export interface ValidatedBatch {
  /** Timers the batch cancels (a buffered TimerFired of one of them is dropped, not delivered). */
  canceledTimerIds: ReadonlySet<string>;
}

/** Throws CommandError for the first command the server would reject; changes nothing. */
export function validateCommands(exec: Execution, commands: Command[]): ValidatedBatch {
  const startedTimers = new Set<string>();
  const canceledTimers = new Set<string>();
  const canceledActivities = new Set<number>();
  const activityIds = new Set<string>();
  let closed = false;
  for (const command of commands) {
    const type = command.commandType ?? 0;
    if (!ATTRIBUTE_KEYS[type]) {
      throw new CommandError(
        Cause.WORKFLOW_TASK_FAILED_CAUSE_FEATURE_DISABLED,
        `${commandTypeName(type)} is not supported by the Tact dev server.`,
      );
    }
    if (closed) {
      throw new CommandError(
        Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
        `${commandTypeName(type)} follows a command that closed the workflow.`,
      );
    }
    switch (type) {
      case C.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const a = attrs<ScheduleActivityAttributes>(command);
        validateScheduleActivity(a, exec);
        if (activityIds.has(a!.activityId!)) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
            `Activity ID ${a!.activityId} is already in use.`,
          );
        }
        activityIds.add(a!.activityId!);
        break;
      }
      case C.COMMAND_TYPE_START_TIMER: {
        const t = attrs<{ timerId?: string; startToFireTimeout?: Duration }>(command);
        const timerId = t?.timerId ?? '';
        if (!timerId || msFromDuration(t?.startToFireTimeout) <= 0) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES,
            'StartTimerCommand needs a TimerId and a positive StartToFireTimeout.',
          );
        }
        if ((exec.timers.has(timerId) && !canceledTimers.has(timerId)) || startedTimers.has(timerId)) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
            `Timer ID ${timerId} is already in use.`,
          );
        }
        startedTimers.add(timerId);
        break;
      }
      case C.COMMAND_TYPE_CANCEL_TIMER: {
        const timerId = attrs<{ timerId?: string }>(command)?.timerId ?? '';
        const running =
          (exec.timers.isCancelable(timerId) || startedTimers.has(timerId)) && !canceledTimers.has(timerId);
        if (!running)
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
            `CancelTimerCommand: no running timer with ID ${timerId}.`,
          );
        canceledTimers.add(timerId);
        startedTimers.delete(timerId);
        break;
      }
      case C.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        const scheduledEventId = attrs<{ scheduledEventId?: number }>(command)?.scheduledEventId ?? 0;
        if (!exec.activities.isCancelable(scheduledEventId) || canceledActivities.has(scheduledEventId)) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
            `RequestCancelActivityTaskCommand: no pending activity with ScheduledEventID ${scheduledEventId}.`,
          );
        }
        canceledActivities.add(scheduledEventId);
        break;
      }
      case C.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        decodeCommandSearchAttributes(
          exec,
          attrs<{ searchAttributes?: { indexedFields?: Record<string, Payload> } }>(command)?.searchAttributes
            ?.indexedFields,
        );
        break;
      case C.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        const a = attrs<StartChildAttributes>(command);
        const bad = (m: string) =>
          new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES, m);
        if (!a?.workflowId) throw bad('WorkflowId is not set on StartChildWorkflowExecutionCommand.');
        if (!a.workflowType?.name) throw bad('WorkflowType is not set on StartChildWorkflowExecutionCommand.');
        if (a.cronSchedule)
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_FEATURE_DISABLED,
            'Cron schedules are not supported by the Tact dev server.',
          );
        decodeCommandSearchAttributes(exec, a.searchAttributes?.indexedFields);
        break;
      }
      case C.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
        const a = attrs<SignalExternalAttributes>(command);
        if (!a?.execution?.workflowId || !a.signalName) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
            'SignalExternalWorkflowExecutionCommand needs a WorkflowId and a SignalName.',
          );
        }
        break;
      }
      case C.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        if (!attrs<CancelExternalAttributes>(command)?.workflowId) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
            'RequestCancelExternalWorkflowExecutionCommand needs a WorkflowId.',
          );
        }
        break;
      case C.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
        const a = attrs<ContinueAsNewAttributes>(command);
        if (a?.cronSchedule)
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_FEATURE_DISABLED,
            'Cron schedules are not supported by the Tact dev server.',
          );
        decodeCommandSearchAttributes(exec, a?.searchAttributes?.indexedFields);
        closed = true;
        break;
      }
      case C.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      case C.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      case C.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        closed = true;
        break;
      case C.COMMAND_TYPE_RECORD_MARKER:
        if (!attrs<{ markerName?: string }>(command)?.markerName) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
            'MarkerName is not set on RecordMarkerCommand.',
          );
        }
        break;
      default:
        // The other supported commands have nothing to check before they are applied.
        break;
    }
  }
  return { canceledTimerIds: canceledTimers };
}

function decodeCommandSearchAttributes(
  exec: Execution,
  fields: Record<string, Payload> | undefined,
): Record<string, unknown> {
  if (!fields) return {};
  try {
    return decodeSearchAttributes(fields, exec.host.registry(exec.namespace));
  } catch (err) {
    if (err instanceof SearchAttributeError)
      throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES, err.message);
    throw err;
  }
}

/** Applies a validated batch; cross-run effects are queued on `afterCommit`. */
export function applyCommands(
  exec: Execution,
  commands: Command[],
  completedEventId: number,
  effects: CrossRunEffects,
  afterCommit: (() => void)[],
  identity: string | undefined,
  messages: Map<string, ProtocolMessage> = new Map(),
): void {
  for (const command of commands) {
    if (!exec.isRunning) break;
    const md = command.userMetadata;
    switch (command.commandType) {
      case C.COMMAND_TYPE_PROTOCOL_MESSAGE: {
        // The message (an update's acceptance or response) takes effect here, in command order.
        const id = attrs<{ messageId?: string }>(command)?.messageId ?? '';
        const message = messages.get(id);
        messages.delete(id);
        if (message) exec.updates.apply(message);
        break;
      }
      case C.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
        exec.activities.schedule(attrs<ScheduleActivityAttributes>(command)!, completedEventId, md);
        break;
      case C.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
        exec.activities.requestCancel(
          attrs<{ scheduledEventId?: number }>(command)?.scheduledEventId ?? 0,
          completedEventId,
          identity,
        );
        break;
      case C.COMMAND_TYPE_START_TIMER:
        exec.timers.start(attrs<{ timerId?: string; startToFireTimeout?: Duration }>(command)!, completedEventId, md);
        break;
      case C.COMMAND_TYPE_CANCEL_TIMER:
        exec.timers.cancel(attrs<{ timerId?: string }>(command), completedEventId, identity);
        break;
      case C.COMMAND_TYPE_RECORD_MARKER:
        exec.append({
          type: E.EVENT_TYPE_MARKER_RECORDED,
          userMetadata: md,
          attributes: { ...attrs<Message>(command), workflowTaskCompletedEventId: completedEventId },
        });
        break;
      case C.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const a = attrs<{ searchAttributes?: { indexedFields?: Record<string, Payload> } }>(command);
        exec.searchAttributes = applySearchAttributeUpsert(
          exec.searchAttributes,
          decodeCommandSearchAttributes(exec, a?.searchAttributes?.indexedFields),
        );
        exec.append({
          type: E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
          userMetadata: md,
          attributes: { workflowTaskCompletedEventId: completedEventId, searchAttributes: a?.searchAttributes },
        });
        break;
      }
      case C.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
        const a = attrs<{ upsertedMemo?: { fields?: Record<string, Payload> } }>(command);
        exec.memo = upsertMemo(exec.memo, a?.upsertedMemo?.fields ?? {});
        exec.append({
          type: E.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
          userMetadata: md,
          attributes: { workflowTaskCompletedEventId: completedEventId, upsertedMemo: a?.upsertedMemo },
        });
        break;
      }
      case C.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        const a = attrs<StartChildAttributes>(command)!;
        const parentClosePolicy = a.parentClosePolicy || enums.ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE;
        const namespace = a.namespace || exec.namespace;
        const event = exec.append({
          type: E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
          userMetadata: md,
          attributes: { ...a, namespace, parentClosePolicy, workflowTaskCompletedEventId: completedEventId },
        });
        exec.children.set(event.eventId, {
          initiatedEventId: event.eventId,
          namespace,
          workflowId: a.workflowId!,
          workflowType: a.workflowType!.name!,
          parentClosePolicy,
        });
        afterCommit.push(() => effects.startChild(exec, event.eventId, { ...a, namespace, parentClosePolicy }, md));
        break;
      }
      case C.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
        const a = attrs<SignalExternalAttributes>(command)!;
        const namespace = a.namespace || exec.namespace;
        const event = exec.append({
          type: E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
          userMetadata: md,
          attributes: { ...a, namespace, workflowTaskCompletedEventId: completedEventId },
        });
        afterCommit.push(() => effects.signalExternal(exec, event.eventId, { ...a, namespace }));
        break;
      }
      case C.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: {
        const a = attrs<CancelExternalAttributes>(command)!;
        const namespace = a.namespace || exec.namespace;
        const event = exec.append({
          type: E.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
          userMetadata: md,
          attributes: {
            namespace,
            workflowExecution: { workflowId: a.workflowId, runId: a.runId },
            control: a.control,
            childWorkflowOnly: a.childWorkflowOnly,
            reason: a.reason,
            workflowTaskCompletedEventId: completedEventId,
          },
        });
        afterCommit.push(() => effects.cancelExternal(exec, event.eventId, { ...a, namespace }));
        break;
      }
      case C.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION: {
        const result = attrs<{ result?: Payloads }>(command)?.result;
        const cron = cronContinuation(exec, result ? { result } : {});
        exec.close(
          {
            type: E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            userMetadata: md,
            attributes: {
              result,
              workflowTaskCompletedEventId: completedEventId,
              newExecutionRunId: cron?.newRunId,
            },
          },
          'Completed',
          cron,
        );
        break;
      }
      case C.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        failWorkflow(exec, attrs<{ failure?: Message }>(command)?.failure, completedEventId, md);
        break;
      case C.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        exec.close(
          {
            type: E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
            userMetadata: md,
            attributes: {
              details: attrs<{ details?: Payloads }>(command)?.details,
              workflowTaskCompletedEventId: completedEventId,
            },
          },
          'Canceled',
        );
        break;
      case C.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        continueAsNew(exec, attrs<ContinueAsNewAttributes>(command) ?? {}, completedEventId, md);
        break;
      case undefined:
      default:
        // validateCommands refuses every other command type before anything is applied.
        throw new Error(`bug: command type ${command.commandType} reached applyCommands unvalidated`);
    }
  }
}

function upsertMemo(current: Record<string, Payload>, update: Record<string, Payload>): Record<string, Payload> {
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    const encoding = value.metadata?.encoding ? Buffer.from(value.metadata.encoding).toString('utf8') : '';
    if (encoding === 'binary/null' || isEmptyPayload(value)) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** A workflow with a retry policy is retried as a new run (Temporal: retry only when a policy was set). */
function failWorkflow(
  exec: Execution,
  failure: Message | undefined,
  completedEventId: number,
  md: Message | undefined,
): void {
  const retry = workflowRetry(exec, failure);
  const { retryState } = retry;
  const continuation = retry.continuation ?? cronContinuation(exec, failure ? { failure } : {});
  exec.close(
    {
      type: E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
      userMetadata: md,
      attributes: {
        failure,
        retryState,
        workflowTaskCompletedEventId: completedEventId,
        newExecutionRunId: continuation?.newRunId,
      },
    },
    'Failed',
    continuation,
  );
}

function continueAsNew(
  exec: Execution,
  a: ContinueAsNewAttributes,
  completedEventId: number,
  md: Message | undefined,
): void {
  const newRunId = randomUUID();
  const base = successorBase(exec);
  const start: Continuation['start'] = {
    ...base,
    workflowType: a.workflowType?.name || exec.workflowType,
    taskQueue: a.taskQueue?.name || exec.taskQueue,
    input: a.input,
    header: a.header,
    memo: a.memo?.fields ?? exec.memo,
    searchAttributes: a.searchAttributes?.indexedFields
      ? decodeCommandSearchAttributes(exec, a.searchAttributes.indexedFields)
      : exec.searchAttributes,
    runTimeoutMs: msFromDuration(a.workflowRunTimeout) || exec.start.runTimeoutMs,
    workflowTaskTimeoutMs: msFromDuration(a.workflowTaskTimeout) || exec.start.workflowTaskTimeoutMs,
    retryPolicy: a.retryPolicy ?? exec.start.retryPolicy,
    attempt: 1,
    initiator: a.initiator || enums.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
    continuedFailure: a.failure,
    lastCompletionResult: a.lastCompletionResult,
    firstWorkflowTaskBackoffMs: msFromDuration(a.backoffStartInterval),
  };
  exec.close(
    {
      type: E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
      userMetadata: md,
      attributes: {
        newExecutionRunId: newRunId,
        workflowType: { name: start.workflowType },
        taskQueue: { name: start.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: a.input,
        workflowRunTimeout: a.workflowRunTimeout,
        workflowTaskTimeout: a.workflowTaskTimeout,
        workflowTaskCompletedEventId: completedEventId,
        backoffStartInterval: a.backoffStartInterval,
        initiator: start.initiator,
        failure: a.failure,
        lastCompletionResult: a.lastCompletionResult,
        header: a.header,
        memo: a.memo,
        searchAttributes: a.searchAttributes,
      },
    },
    'ContinuedAsNew',
    { newRunId, start },
  );
}
