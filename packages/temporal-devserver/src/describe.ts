// DescribeWorkflowExecution and the WorkflowExecutionInfo shared with ListWorkflowExecutions.
import type { Execution } from './execution';
import { durationFromMs, enums, timestampFromMs, type Message } from './proto';
import type { ExecutionStatusName, VisibilityRecord } from './visibility/record';

const STATUS: Record<ExecutionStatusName, number> = {
  Running: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
  Completed: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
  Failed: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
  Canceled: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
  Terminated: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
  ContinuedAsNew: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
  TimedOut: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
};

export function statusCode(status: ExecutionStatusName): number {
  return STATUS[status];
}

export function visibilityRecord(exec: Execution): VisibilityRecord {
  return {
    workflowId: exec.workflowId,
    runId: exec.runId,
    workflowType: exec.workflowType,
    taskQueue: exec.taskQueue,
    status: exec.status,
    startTime: exec.startTime,
    closeTime: exec.closeTime,
    executionTime: exec.executionTime,
    searchAttributes: exec.searchAttributes,
  };
}

export function executionInfo(exec: Execution): Message {
  const parent = exec.start.parent;
  return {
    execution: { workflowId: exec.workflowId, runId: exec.runId },
    type: { name: exec.workflowType },
    startTime: timestampFromMs(exec.startTime),
    closeTime: exec.closeTime !== undefined ? timestampFromMs(exec.closeTime) : undefined,
    status: statusCode(exec.status),
    historyLength: exec.history.events.length,
    parentNamespaceId: parent ? parent.namespace : undefined,
    parentExecution: parent ? { workflowId: parent.workflowId, runId: parent.runId } : undefined,
    executionTime: timestampFromMs(exec.executionTime),
    memo: { fields: exec.memo },
    searchAttributes: exec.encodedSearchAttributes() ?? { indexedFields: {} },
    taskQueue: exec.taskQueue,
    stateTransitionCount: exec.history.events.length,
    historySizeBytes: 0,
    executionDuration: exec.closeTime !== undefined ? durationFromMs(exec.closeTime - exec.executionTime) : undefined,
    rootExecution: exec.start.root ?? { workflowId: exec.workflowId, runId: exec.runId },
    firstRunId: exec.start.firstRunId,
  };
}

export function describeExecution(exec: Execution): Message {
  const s = exec.start;
  const wft = exec.tasks.state;
  return {
    executionConfig: {
      taskQueue: { name: exec.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      workflowExecutionTimeout: durationFromMs(s.executionTimeoutMs),
      workflowRunTimeout: durationFromMs(s.runTimeoutMs),
      defaultWorkflowTaskTimeout: durationFromMs(s.workflowTaskTimeoutMs),
      userMetadata: s.userMetadata,
    },
    workflowExecutionInfo: executionInfo(exec),
    pendingActivities: exec.activities.pending().map((a) => ({
      activityId: a.activityId,
      activityType: { name: a.activityType },
      state:
        a.cancelRequestedEventId !== undefined
          ? enums.PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
          : a.phase === 'started'
            ? enums.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            : enums.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
      heartbeatDetails: a.heartbeatDetails,
      lastHeartbeatTime: a.lastHeartbeatTime !== undefined ? timestampFromMs(a.lastHeartbeatTime) : undefined,
      lastStartedTime: a.startedTime !== undefined ? timestampFromMs(a.startedTime) : undefined,
      attempt: a.attempt,
      maximumAttempts: a.retryPolicy.maximumAttempts,
      scheduledTime: timestampFromMs(a.attemptScheduledTime),
      expirationTime:
        a.timeouts.scheduleToCloseMs > 0
          ? timestampFromMs(a.firstScheduledTime + a.timeouts.scheduleToCloseMs)
          : undefined,
      lastFailure: a.lastFailure,
      lastWorkerIdentity: a.startedIdentity,
    })),
    pendingChildren: [...exec.children.values()]
      .filter((c) => c.runId !== undefined)
      .map((c) => ({
        workflowId: c.workflowId,
        runId: c.runId,
        workflowTypeName: c.workflowType,
        initiatedId: c.initiatedEventId,
        parentClosePolicy: c.parentClosePolicy,
      })),
    pendingWorkflowTask:
      wft.kind === 'none'
        ? undefined
        : {
            state:
              wft.kind === 'started'
                ? enums.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
                : enums.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
            scheduledTime: timestampFromMs(wft.scheduledTime),
            originalScheduledTime: timestampFromMs(wft.scheduledTime),
            startedTime: wft.kind === 'started' ? timestampFromMs(wft.startedTime) : undefined,
            attempt: wft.attempt,
          },
  };
}
