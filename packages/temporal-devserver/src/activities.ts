// Activity state machines of one run: scheduling, dispatch to pollers, the four timeouts, retries
// with backoff, heartbeats (details survive retries; cancellation is delivered in the heartbeat
// response) and the lazily written ActivityTaskStarted event.
import type { temporal } from '@temporalio/proto';
import type { ClockTimer } from './clock';
import { CommandError } from './command-error';
import { notFound } from './errors';
import type { Execution } from './execution';
import type { EventDraft } from './history';
import {
  durationFromMs,
  enums,
  jsonPayload,
  msFromDuration,
  timestampFromMs,
  type Decoded,
  type Message,
  type Payloads,
} from './proto';
import { decideRetry, normalizeRetryPolicy, retryPolicyMessage, type RetryPolicy } from './retry';
import { encodeToken } from './tokens';

const E = enums.EventType;
const T = enums.TimeoutType;
/** Details Temporal gives an activity canceled before it started (activityCancellationMsgActivityNotStarted). */
const ACTIVITY_NOT_STARTED = 'ACTIVITY_ID_NOT_STARTED';

export type ActivityTaskResponse = Message;

export type ScheduleActivityAttributes = Decoded<temporal.api.command.v1.IScheduleActivityTaskCommandAttributes>;

interface Timeouts {
  scheduleToCloseMs: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  heartbeatMs: number;
}

type Phase = 'scheduled' | 'started' | 'backoff';

/** A pending activity as stored on disk: its state without the timers. */
export type ActivitySnapshot = Omit<ActivityState, 'attemptTimers' | 'heartbeatTimer' | 'scheduleToCloseTimer'>;

export interface ActivityState {
  scheduledEventId: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  header?: Message | undefined;
  input?: Payloads | undefined;
  priority?: Message | undefined;
  timeouts: Timeouts;
  retryPolicy: RetryPolicy;
  firstScheduledTime: number;
  attemptScheduledTime: number;
  attempt: number;
  phase: Phase;
  startedTime?: number | undefined;
  startedIdentity?: string | undefined;
  heartbeatDetails?: Payloads | undefined;
  lastHeartbeatTime?: number | undefined;
  cancelRequestedEventId?: number | undefined;
  lastFailure?: Message | undefined;
  /** When the attempt waiting out its retry backoff is due (phase 'backoff'). */
  retryAt?: number | undefined;
  attemptTimers: ClockTimer[];
  heartbeatTimer?: ClockTimer | undefined;
  scheduleToCloseTimer?: ClockTimer | undefined;
}

/** Temporal's normalisation (validateActivityScheduleAttributes): defaults and caps from the run timeout. */
export function normalizeActivityTimeouts(attrs: ScheduleActivityAttributes, runTimeoutMs: number): Timeouts {
  let scheduleToCloseMs = msFromDuration(attrs.scheduleToCloseTimeout);
  let scheduleToStartMs = msFromDuration(attrs.scheduleToStartTimeout);
  let startToCloseMs = msFromDuration(attrs.startToCloseTimeout);
  let heartbeatMs = msFromDuration(attrs.heartbeatTimeout);
  const cap = (v: number) => (runTimeoutMs > 0 && (v === 0 || v > runTimeoutMs) ? runTimeoutMs : v);
  if (scheduleToCloseMs > 0) {
    scheduleToCloseMs = cap(scheduleToCloseMs);
    scheduleToStartMs = scheduleToStartMs > 0 ? Math.min(scheduleToStartMs, scheduleToCloseMs) : scheduleToCloseMs;
    startToCloseMs = startToCloseMs > 0 ? Math.min(startToCloseMs, scheduleToCloseMs) : scheduleToCloseMs;
  } else if (startToCloseMs > 0) {
    scheduleToCloseMs = runTimeoutMs;
    if (scheduleToStartMs === 0) scheduleToStartMs = runTimeoutMs;
    else scheduleToStartMs = cap(scheduleToStartMs);
  } else {
    throw new CommandError(
      enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand.',
    );
  }
  if (heartbeatMs > startToCloseMs) heartbeatMs = startToCloseMs;
  return { scheduleToCloseMs, scheduleToStartMs, startToCloseMs, heartbeatMs };
}

export function validateScheduleActivity(attrs: ScheduleActivityAttributes | undefined, exec: Execution): void {
  const bad = (msg: string) =>
    new CommandError(enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, msg);
  if (!attrs) throw bad('ScheduleActivityTaskCommandAttributes is not set on command.');
  if (!attrs.activityId) throw bad('ActivityId is not set on ScheduleActivityTaskCommand.');
  if (!attrs.activityType?.name) throw bad('ActivityType is not set on ScheduleActivityTaskCommand.');
  if (exec.activities.findByActivityId(attrs.activityId))
    throw bad(`Activity ID ${attrs.activityId} is already in use.`);
  normalizeActivityTimeouts(attrs, exec.start.runTimeoutMs);
}

export class Activities {
  private readonly byScheduledId = new Map<number, ActivityState>();

  constructor(private readonly exec: Execution) {}

  isBusy(): boolean {
    for (const a of this.byScheduledId.values()) if (a.phase !== 'backoff') return true;
    return false;
  }

  pending(): ActivityState[] {
    return [...this.byScheduledId.values()];
  }

  /** The pending activities as plain data (no timers), for the on-disk store. */
  snapshot(): ActivitySnapshot[] {
    return this.pending().map(({ attemptTimers: _a, heartbeatTimer: _h, scheduleToCloseTimer: _s, ...data }) => data);
  }

  /** Rebuilds pending activities after a restart: timers re-armed at their original due times, tasks re-queued. */
  restore(snapshots: ActivitySnapshot[]): void {
    const clock = this.exec.clock;
    for (const data of snapshots) {
      const a: ActivityState = { ...data, attemptTimers: [] };
      this.byScheduledId.set(a.scheduledEventId, a);
      if (a.timeouts.scheduleToCloseMs > 0) {
        a.scheduleToCloseTimer = clock.at(a.firstScheduledTime + a.timeouts.scheduleToCloseMs, () =>
          this.timedOut(a, a.attempt, T.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
        );
      }
      const attempt = a.attempt;
      switch (a.phase) {
        case 'scheduled':
          if (a.timeouts.scheduleToStartMs > 0) {
            a.attemptTimers.push(
              clock.at(a.attemptScheduledTime + a.timeouts.scheduleToStartMs, () =>
                this.timedOut(a, attempt, T.TIMEOUT_TYPE_SCHEDULE_TO_START),
              ),
            );
          }
          this.offer(a, attempt);
          break;
        case 'started': {
          const startedTime = a.startedTime ?? a.attemptScheduledTime;
          if (a.timeouts.startToCloseMs > 0) {
            a.attemptTimers.push(
              clock.at(startedTime + a.timeouts.startToCloseMs, () =>
                this.timedOut(a, attempt, T.TIMEOUT_TYPE_START_TO_CLOSE),
              ),
            );
          }
          if (a.timeouts.heartbeatMs > 0) {
            a.heartbeatTimer = clock.at((a.lastHeartbeatTime ?? startedTime) + a.timeouts.heartbeatMs, () =>
              this.timedOut(a, attempt, T.TIMEOUT_TYPE_HEARTBEAT),
            );
          }
          break;
        }
        case 'backoff':
          a.attemptTimers.push(clock.at(a.retryAt ?? clock.now(), () => this.retryDue(a, attempt)));
          break;
      }
    }
  }

  findByActivityId(activityId: string): ActivityState | undefined {
    for (const a of this.byScheduledId.values()) if (a.activityId === activityId) return a;
    return undefined;
  }

  schedule(attrs: ScheduleActivityAttributes, completedEventId: number, userMetadata?: Message): void {
    const exec = this.exec;
    const timeouts = normalizeActivityTimeouts(attrs, exec.start.runTimeoutMs);
    const retryPolicy = normalizeRetryPolicy(attrs.retryPolicy);
    const taskQueue = attrs.taskQueue?.name || exec.taskQueue;
    const event = exec.append({
      type: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      userMetadata,
      attributes: {
        activityId: attrs.activityId,
        activityType: attrs.activityType,
        taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        header: attrs.header,
        input: attrs.input,
        scheduleToCloseTimeout: durationFromMs(timeouts.scheduleToCloseMs),
        scheduleToStartTimeout: durationFromMs(timeouts.scheduleToStartMs),
        startToCloseTimeout: durationFromMs(timeouts.startToCloseMs),
        heartbeatTimeout: durationFromMs(timeouts.heartbeatMs),
        workflowTaskCompletedEventId: completedEventId,
        retryPolicy: retryPolicyMessage(retryPolicy),
        useWorkflowBuildId: attrs.useWorkflowBuildId,
        priority: attrs.priority,
      },
    });
    const now = exec.now();
    const a: ActivityState = {
      scheduledEventId: event.eventId,
      activityId: attrs.activityId!,
      activityType: attrs.activityType!.name!,
      taskQueue,
      header: attrs.header,
      input: attrs.input,
      priority: attrs.priority,
      timeouts,
      retryPolicy,
      firstScheduledTime: now,
      attemptScheduledTime: now,
      attempt: 1,
      phase: 'scheduled',
      attemptTimers: [],
    };
    this.byScheduledId.set(a.scheduledEventId, a);
    // The first attempt's schedule-to-start timer is armed before schedule-to-close: timers due at the same instant
    // fire in the order they were armed, and when both fall due together Temporal reports schedule-to-start. The
    // task is offered to pollers only after both, so a start-to-close timer never precedes schedule-to-close.
    const attempt = this.armScheduleToStart(a);
    if (timeouts.scheduleToCloseMs > 0) {
      a.scheduleToCloseTimer = exec.clock.after(timeouts.scheduleToCloseMs, () =>
        this.timedOut(a, a.attempt, T.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
      );
    }
    this.offer(a, attempt);
  }

  private enqueue(a: ActivityState): void {
    this.offer(a, this.armScheduleToStart(a));
  }

  /** Marks the current attempt scheduled and arms its schedule-to-start timer; returns the attempt. */
  private armScheduleToStart(a: ActivityState): number {
    const attempt = a.attempt;
    a.phase = 'scheduled';
    a.attemptScheduledTime = this.exec.now();
    if (a.timeouts.scheduleToStartMs > 0) {
      a.attemptTimers.push(
        this.exec.clock.after(a.timeouts.scheduleToStartMs, () =>
          this.timedOut(a, attempt, T.TIMEOUT_TYPE_SCHEDULE_TO_START),
        ),
      );
    }
    return attempt;
  }

  private offer(a: ActivityState, attempt: number): void {
    this.exec.markDirty();
    this.exec.host
      .activityQueue(this.exec.namespace, a.taskQueue)
      .offer({ dispatch: (identity) => this.dispatch(a, attempt, identity) });
    this.exec.host.changed();
  }

  private dispatch(a: ActivityState, attempt: number, identity: string): ActivityTaskResponse | null {
    const exec = this.exec;
    if (
      !exec.isRunning ||
      this.byScheduledId.get(a.scheduledEventId) !== a ||
      a.phase !== 'scheduled' ||
      a.attempt !== attempt
    )
      return null;
    const now = exec.now();
    this.clearAttemptTimers(a);
    exec.markDirty();
    a.phase = 'started';
    a.startedTime = now;
    a.startedIdentity = identity;
    a.lastHeartbeatTime = undefined;
    if (a.timeouts.startToCloseMs > 0) {
      a.attemptTimers.push(
        exec.clock.after(a.timeouts.startToCloseMs, () => this.timedOut(a, attempt, T.TIMEOUT_TYPE_START_TO_CLOSE)),
      );
    }
    this.armHeartbeatTimer(a);
    return {
      taskToken: encodeToken({
        kind: 'activity',
        namespace: exec.namespace,
        workflowId: exec.workflowId,
        runId: exec.runId,
        scheduledEventId: a.scheduledEventId,
        attempt,
      }),
      workflowNamespace: exec.namespace,
      workflowType: { name: exec.workflowType },
      workflowExecution: { workflowId: exec.workflowId, runId: exec.runId },
      activityType: { name: a.activityType },
      activityId: a.activityId,
      header: a.header,
      input: a.input,
      heartbeatDetails: a.heartbeatDetails,
      scheduledTime: timestampFromMs(a.firstScheduledTime),
      currentAttemptScheduledTime: timestampFromMs(a.attemptScheduledTime),
      startedTime: timestampFromMs(now),
      attempt,
      scheduleToCloseTimeout: durationFromMs(a.timeouts.scheduleToCloseMs),
      startToCloseTimeout: durationFromMs(a.timeouts.startToCloseMs),
      heartbeatTimeout: durationFromMs(a.timeouts.heartbeatMs),
      retryPolicy: retryPolicyMessage(a.retryPolicy),
      priority: a.priority,
    };
  }

  private armHeartbeatTimer(a: ActivityState): void {
    a.heartbeatTimer?.cancel();
    if (a.timeouts.heartbeatMs <= 0) return;
    const attempt = a.attempt;
    a.heartbeatTimer = this.exec.clock.after(a.timeouts.heartbeatMs, () =>
      this.timedOut(a, attempt, T.TIMEOUT_TYPE_HEARTBEAT),
    );
  }

  /** The running attempt named by a task token, or NOT_FOUND as Temporal answers stale tokens. */
  requireStarted(scheduledEventId: number, attempt: number | undefined): ActivityState {
    const a = this.byScheduledId.get(scheduledEventId);
    if (!this.exec.isRunning || !a || a.phase !== 'started' || (attempt !== undefined && a.attempt !== attempt)) {
      throw notFound('Activity task not found.');
    }
    return a;
  }

  heartbeat(a: ActivityState, details: Payloads | undefined): { cancelRequested: boolean } {
    if (details) a.heartbeatDetails = details;
    a.lastHeartbeatTime = this.exec.now();
    this.exec.markDirty();
    this.armHeartbeatTimer(a);
    return { cancelRequested: a.cancelRequestedEventId !== undefined };
  }

  completed(a: ActivityState, result: Payloads | undefined, identity: string): void {
    this.exec.record(this.startedDraft(a, identity), {
      type: E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
      attributes: { result, scheduledEventId: a.scheduledEventId, identity },
      startedFromPrevious: true,
    });
  }

  failed(a: ActivityState, failure: Message | undefined, identity: string, lastHeartbeatDetails?: Payloads): void {
    if (lastHeartbeatDetails) a.heartbeatDetails = lastHeartbeatDetails;
    const decision = decideRetry(a.retryPolicy, a.attempt, failure, this.exec.now(), this.deadline(a));
    if (decision.retry) {
      this.retryLater(a, failure, decision.backoffMs);
      return;
    }
    this.exec.record(this.startedDraft(a, identity), {
      type: E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
      attributes: { failure, scheduledEventId: a.scheduledEventId, identity, retryState: decision.retryState },
      startedFromPrevious: true,
    });
  }

  canceled(a: ActivityState, details: Payloads | undefined, identity: string): void {
    this.exec.record(this.startedDraft(a, identity), {
      type: E.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
      attributes: {
        details,
        latestCancelRequestedEventId: a.cancelRequestedEventId ?? 0,
        scheduledEventId: a.scheduledEventId,
        identity,
      },
      startedFromPrevious: true,
    });
  }

  /** Pending and not yet asked to cancel, or closed with its close event still buffered (Temporal accepts both). */
  isCancelable(scheduledEventId: number): boolean {
    const a = this.byScheduledId.get(scheduledEventId);
    if (a) return a.cancelRequestedEventId === undefined;
    return this.exec.hasBufferedActivityFinish(scheduledEventId);
  }

  /**
   * RequestCancelActivityTask command (Temporal's handleCommandRequestCancelActivity): an activity not running is
   * canceled at once; a running one learns it via heartbeat; one whose close event is buffered only gets the
   * request recorded, and its buffered close event is delivered as it is.
   */
  requestCancel(scheduledEventId: number, completedEventId: number, identity: string | undefined): void {
    const a = this.byScheduledId.get(scheduledEventId);
    const requested = this.exec.append({
      type: E.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
      attributes: { scheduledEventId, workflowTaskCompletedEventId: completedEventId },
    });
    if (!a) return;
    a.cancelRequestedEventId = requested.eventId;
    if (a.phase !== 'started') {
      this.release(a);
      this.exec.record({
        type: E.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
        attributes: {
          details: { payloads: [jsonPayload(ACTIVITY_NOT_STARTED)] },
          latestCancelRequestedEventId: requested.eventId,
          scheduledEventId,
          startedEventId: 0,
          identity,
        },
      });
    }
  }

  releaseAll(): void {
    for (const a of [...this.byScheduledId.values()]) this.release(a);
  }

  private deadline(a: ActivityState): number {
    return a.timeouts.scheduleToCloseMs > 0 ? a.firstScheduledTime + a.timeouts.scheduleToCloseMs : 0;
  }

  private retryLater(a: ActivityState, failure: Message | undefined, backoffMs: number): void {
    this.clearAttemptTimers(a);
    a.lastFailure = failure;
    a.attempt++;
    a.phase = 'backoff';
    a.startedTime = undefined;
    const attempt = a.attempt;
    a.retryAt = this.exec.now() + backoffMs;
    a.attemptTimers.push(this.exec.clock.at(a.retryAt, () => this.retryDue(a, attempt)));
    this.exec.markDirty();
    this.exec.host.changed();
  }

  private retryDue(a: ActivityState, attempt: number): void {
    if (this.byScheduledId.get(a.scheduledEventId) === a && a.attempt === attempt && a.phase === 'backoff')
      this.enqueue(a);
  }

  private timedOut(a: ActivityState, attempt: number, timeoutType: temporal.api.enums.v1.TimeoutType): void {
    if (!this.exec.isRunning || this.byScheduledId.get(a.scheduledEventId) !== a || a.attempt !== attempt) return;
    const failure: Message = {
      message: `activity ${timeoutName(timeoutType)} timeout`,
      source: 'Server',
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: a.heartbeatDetails },
    };
    const retryable = timeoutType === T.TIMEOUT_TYPE_START_TO_CLOSE || timeoutType === T.TIMEOUT_TYPE_HEARTBEAT;
    let retryState: number = enums.RetryState.RETRY_STATE_TIMEOUT;
    if (retryable && a.phase === 'started') {
      const decision = decideRetry(a.retryPolicy, a.attempt, failure, this.exec.now(), this.deadline(a));
      if (decision.retry) {
        this.retryLater(a, failure, decision.backoffMs);
        return;
      }
      retryState = decision.retryState;
    } else if (retryable) {
      return; // the attempt this timer belonged to is no longer running
    }
    if (timeoutType === T.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE && a.lastFailure) failure.cause = a.lastFailure;
    const timedOut: EventDraft = {
      type: E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
      attributes: { failure, scheduledEventId: a.scheduledEventId, retryState },
    };
    if (a.phase === 'started') {
      this.exec.record(this.startedDraft(a, a.startedIdentity ?? ''), { ...timedOut, startedFromPrevious: true });
    } else {
      this.release(a);
      this.exec.record(timedOut);
    }
  }

  /** Ends the activity; returns its ActivityTaskStarted event, written together with the closing one. */
  private startedDraft(a: ActivityState, identity: string): EventDraft {
    this.release(a);
    return {
      type: E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
      attributes: {
        scheduledEventId: a.scheduledEventId,
        identity: a.startedIdentity ?? identity,
        requestId: `${a.scheduledEventId}-${a.attempt}`,
        attempt: a.attempt,
        lastFailure: a.lastFailure,
      },
    };
  }

  private release(a: ActivityState): void {
    this.clearAttemptTimers(a);
    a.scheduleToCloseTimer?.cancel();
    this.byScheduledId.delete(a.scheduledEventId);
  }

  private clearAttemptTimers(a: ActivityState): void {
    for (const t of a.attemptTimers) t.cancel();
    a.attemptTimers = [];
    a.heartbeatTimer?.cancel();
    a.heartbeatTimer = undefined;
  }
}

function timeoutName(t: temporal.api.enums.v1.TimeoutType): string {
  switch (t) {
    case T.TIMEOUT_TYPE_START_TO_CLOSE:
      return 'StartToClose';
    case T.TIMEOUT_TYPE_SCHEDULE_TO_START:
      return 'ScheduleToStart';
    case T.TIMEOUT_TYPE_HEARTBEAT:
      return 'Heartbeat';
    default:
      return 'ScheduleToClose';
  }
}
