// One workflow run: its history, its workflow-task lifecycle and the state derived from its events.
// Everything that happens to a run goes through `append` (direct) or `record` (buffered while a
// workflow task is running, as Temporal's mutable state does).
import type { Clock, ClockTimer } from './clock';
import { notFound } from './errors';
import { History, type EventDraft, type HistoryEvent } from './history';
import type { Logger } from './logger';
import { durationFromMs, enums, timestampFromMs, type Message, type Payload, type Payloads } from './proto';
import type { QueuedTask, TaskQueue } from './task-queue';
import { encodeToken } from './tokens';
import type { ExecutionStatusName } from './visibility/record';
import { encodeSearchAttributes, type SearchAttributeRegistry } from './visibility/search-attributes';
import { Activities, type ActivityTaskResponse } from './activities';
import { UserTimers } from './timers';
import { workflowRetry } from './workflow-retry';
import type { PendingQuery } from './queries';

const E = enums.EventType;

export type WorkflowTaskResponse = Message;

export interface ParentRef {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
}

/** What a new run starts from (a client start, a child start, continue-as-new or a workflow retry). */
export interface RunStart {
  namespace: string;
  workflowId: string;
  runId: string;
  firstRunId: string;
  workflowType: string;
  taskQueue: string;
  input?: Payloads;
  header?: Message;
  memo: Record<string, Payload>;
  searchAttributes: Record<string, unknown>;
  runTimeoutMs: number;
  executionTimeoutMs: number;
  /** Absolute deadline of the whole chain of runs (execution timeout), if any. */
  expirationTime?: number;
  workflowTaskTimeoutMs: number;
  retryPolicy?: Message;
  attempt: number;
  identity?: string;
  requestId?: string;
  parent?: ParentRef;
  root?: { workflowId: string; runId: string };
  continuedExecutionRunId?: string;
  initiator?: number;
  continuedFailure?: Message;
  lastCompletionResult?: Payloads;
  firstWorkflowTaskBackoffMs: number;
  userMetadata?: Message;
  priority?: Message;
}

export interface Continuation {
  newRunId: string;
  start: Omit<RunStart, 'runId'>;
}

export interface ExecutionHost {
  readonly clock: Clock;
  readonly log: Logger;
  workflowQueue(namespace: string, name: string): TaskQueue<WorkflowTaskResponse>;
  activityQueue(namespace: string, name: string): TaskQueue<ActivityTaskResponse>;
  registry(namespace: string): SearchAttributeRegistry;
  /** The run closed: start its successor, notify its parent, apply parent close policies. */
  onRunClosed(exec: Execution, continuation?: Continuation): void;
  /** Sends a legacy query task (no workflow task outstanding). */
  dispatchLegacyQuery(exec: Execution, query: PendingQuery): void;
  /** Something changed that may let a time-skipping clock advance. */
  changed(): void;
}

type WftState =
  | { kind: 'none' }
  | {
      kind: 'scheduled';
      seq: number;
      attempt: number;
      scheduledEventId?: number;
      queue: string;
      sticky: boolean;
      scheduledTime: number;
      timer?: ClockTimer;
      /** Waiting out a retry backoff: not on any queue yet. */
      delayed?: boolean;
    }
  | StartedWft;

export interface StartedWft {
  kind: 'started';
  seq: number;
  attempt: number;
  scheduledEventId: number;
  startedEventId: number;
  /** Attempts after a failure are not written to history until one completes (Temporal's transient task). */
  transient: boolean;
  queue: string;
  sticky: boolean;
  scheduledTime: number;
  startedTime: number;
  identity: string;
  timer: ClockTimer;
  queries: PendingQuery[];
}

const STICKY_WORKER_GRACE_MS = 10_000;
const WFT_RETRY_MAX_BACKOFF_MS = 10 * 60_000;

export class Execution {
  readonly history = new History();
  readonly activities: Activities;
  readonly timers: UserTimers;
  readonly children = new Map<number, ChildRecord>();
  readonly requestIds = new Set<string>();
  readonly startTime: number;
  readonly executionTime: number;
  status: ExecutionStatusName = 'Running';
  closeTime?: number;
  memo: Record<string, Payload>;
  searchAttributes: Record<string, unknown>;
  cancelRequested = false;
  sticky?: { queue: string; scheduleToStartMs: number };
  wft: WftState = { kind: 'none' };
  lastCompletedStartedEventId = 0;
  /** Run id of the run that continued this one (continue-as-new or retry). */
  successorRunId?: string;
  waitingQueries: PendingQuery[] = [];
  private wftSeq = 0;
  private wftAttempt = 1;
  private buffer: EventDraft[] = [];
  private applyingCommands = false;
  private wftNeededAfterCommands = false;
  private lifetimeTimers: ClockTimer[] = [];

  constructor(
    readonly host: ExecutionHost,
    readonly start: RunStart,
  ) {
    this.startTime = host.clock.now();
    this.executionTime = this.startTime + start.firstWorkflowTaskBackoffMs;
    this.memo = { ...start.memo };
    this.searchAttributes = { ...start.searchAttributes };
    if (start.requestId) this.requestIds.add(start.requestId);
    this.activities = new Activities(this);
    this.timers = new UserTimers(this);
  }

  get namespace(): string {
    return this.start.namespace;
  }
  get workflowId(): string {
    return this.start.workflowId;
  }
  get runId(): string {
    return this.start.runId;
  }
  get workflowType(): string {
    return this.start.workflowType;
  }
  get taskQueue(): string {
    return this.start.taskQueue;
  }
  get isRunning(): boolean {
    return this.status === 'Running';
  }
  get clock(): Clock {
    return this.host.clock;
  }
  get closeEvent(): HistoryEvent | undefined {
    return this.isRunning ? undefined : this.history.lastEvent;
  }

  now(): number {
    return this.host.clock.now();
  }

  /** True while the run has work a worker must do (time skipping waits for it). */
  isBusy(): boolean {
    const wftPending = this.wft.kind === 'started' || (this.wft.kind === 'scheduled' && !this.wft.delayed);
    return this.isRunning && (wftPending || this.activities.isBusy() || this.waitingQueries.length > 0);
  }

  /** Appends directly; only valid when no workflow task is running. */
  append(draft: EventDraft): HistoryEvent {
    if (this.wft.kind === 'started') throw new Error(`bug: append while a workflow task runs (${draft.type})`);
    return this.history.append(this.now(), draft);
  }

  /** Adds an event the workflow must see, then makes sure a workflow task will deliver it. */
  record(...drafts: EventDraft[]): void {
    if (!this.isRunning) return;
    for (const draft of drafts) {
      if (this.wft.kind === 'started') this.buffer.push(draft);
      else this.append(draft);
    }
    if (this.applyingCommands) this.wftNeededAfterCommands = true;
    else this.scheduleWft();
  }

  /** Writes the started event and schedules the first workflow task (after any start delay). */
  begin(extraEvents: EventDraft[] = []): void {
    const s = this.start;
    this.append({
      type: E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      userMetadata: s.userMetadata,
      attributes: {
        workflowType: { name: s.workflowType },
        parentWorkflowNamespace: s.parent?.namespace,
        parentWorkflowExecution: s.parent ? { workflowId: s.parent.workflowId, runId: s.parent.runId } : undefined,
        parentInitiatedEventId: s.parent?.initiatedEventId,
        taskQueue: { name: s.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: s.input,
        workflowExecutionTimeout: s.executionTimeoutMs ? durationFromMs(s.executionTimeoutMs) : undefined,
        workflowRunTimeout: s.runTimeoutMs ? durationFromMs(s.runTimeoutMs) : undefined,
        workflowTaskTimeout: durationFromMs(s.workflowTaskTimeoutMs),
        continuedExecutionRunId: s.continuedExecutionRunId,
        initiator: s.initiator,
        continuedFailure: s.continuedFailure,
        lastCompletionResult: s.lastCompletionResult,
        originalExecutionRunId: s.runId,
        identity: s.identity,
        firstExecutionRunId: s.firstRunId,
        retryPolicy: s.retryPolicy,
        attempt: s.attempt,
        workflowExecutionExpirationTime: s.expirationTime ? timestampFromMs(s.expirationTime) : undefined,
        firstWorkflowTaskBackoff: s.firstWorkflowTaskBackoffMs
          ? durationFromMs(s.firstWorkflowTaskBackoffMs)
          : undefined,
        memo: Object.keys(this.memo).length ? { fields: this.memo } : undefined,
        searchAttributes: this.encodedSearchAttributes(),
        header: s.header,
        workflowId: s.workflowId,
        rootWorkflowExecution: s.root,
        priority: s.priority,
      },
    });
    for (const draft of extraEvents) this.append(draft);
    if (s.runTimeoutMs > 0) this.lifetimeTimers.push(this.clock.after(s.runTimeoutMs, () => this.timeOut()));
    if (s.expirationTime !== undefined) this.lifetimeTimers.push(this.clock.at(s.expirationTime, () => this.timeOut()));
    if (s.firstWorkflowTaskBackoffMs > 0) {
      this.lifetimeTimers.push(this.clock.after(s.firstWorkflowTaskBackoffMs, () => this.scheduleWft()));
    } else {
      this.scheduleWft();
    }
  }

  encodedSearchAttributes(): Message | undefined {
    if (Object.keys(this.searchAttributes).length === 0) return undefined;
    return { indexedFields: encodeSearchAttributesFor(this) };
  }

  // ---- workflow tasks -------------------------------------------------------------------------

  scheduleWft(delayMs = 0): void {
    if (!this.isRunning || this.wft.kind !== 'none') return;
    if (this.start.firstWorkflowTaskBackoffMs > 0 && this.now() < this.executionTime) return;
    if (delayMs > 0) {
      const seq = ++this.wftSeq;
      this.wft = {
        kind: 'scheduled',
        seq,
        attempt: this.wftAttempt,
        queue: this.taskQueue,
        sticky: false,
        scheduledTime: this.now() + delayMs,
        delayed: true,
      };
      this.lifetimeTimers.push(
        this.clock.after(delayMs, () => {
          if (this.wft.kind === 'scheduled' && this.wft.seq === seq) {
            this.wft = { kind: 'none' };
            this.scheduleWft();
          }
        }),
      );
      return;
    }
    const seq = ++this.wftSeq;
    const attempt = this.wftAttempt;
    const sticky =
      this.sticky && this.host.workflowQueue(this.namespace, this.sticky.queue).hasRecentPoller(STICKY_WORKER_GRACE_MS)
        ? this.sticky
        : undefined;
    if (!sticky) this.sticky = undefined;
    const queue = sticky?.queue ?? this.taskQueue;
    let scheduledEventId: number | undefined;
    if (attempt === 1) {
      scheduledEventId = this.append({
        type: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        attributes: {
          taskQueue: sticky
            ? { name: sticky.queue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: this.taskQueue }
            : { name: this.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          startToCloseTimeout: durationFromMs(this.start.workflowTaskTimeoutMs),
          attempt,
        },
      }).eventId;
    }
    const timer = sticky
      ? this.clock.after(sticky.scheduleToStartMs, () => this.stickyScheduleToStartTimedOut(seq))
      : undefined;
    this.wft = {
      kind: 'scheduled',
      seq,
      attempt,
      scheduledEventId,
      queue,
      sticky: !!sticky,
      scheduledTime: this.now(),
      timer,
    };
    this.offerWft(queue, seq);
    this.host.changed();
  }

  private offerWft(queue: string, seq: number): void {
    const task: QueuedTask<WorkflowTaskResponse> = {
      dispatch: (identity) => this.startWft(seq, identity),
      onQueueGone: () => this.stickyWorkerGone(queue),
    };
    this.host.workflowQueue(this.namespace, queue).offer(task);
  }

  /** A worker polled the scheduled task: mark it started and build its poll response. */
  private startWft(seq: number, identity: string): WorkflowTaskResponse | null {
    const wft = this.wft;
    if (!this.isRunning || wft.kind !== 'scheduled' || wft.seq !== seq) return null;
    wft.timer?.cancel();
    const transient = wft.scheduledEventId === undefined;
    const now = this.now();
    let scheduledEventId: number;
    let startedEventId: number;
    const transientEvents: HistoryEvent[] = [];
    const startedAttributes = (scheduled: number) => ({
      scheduledEventId: scheduled,
      identity,
      requestId: `${this.runId}-${seq}`,
      historySizeBytes: 0,
    });
    if (transient) {
      scheduledEventId = this.history.nextEventId;
      startedEventId = scheduledEventId + 1;
      transientEvents.push(
        buildTransient(
          scheduledEventId,
          now,
          E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
          'workflowTaskScheduledEventAttributes',
          {
            taskQueue: { name: this.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            startToCloseTimeout: durationFromMs(this.start.workflowTaskTimeoutMs),
            attempt: wft.attempt,
          },
        ),
        buildTransient(
          startedEventId,
          now,
          E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
          'workflowTaskStartedEventAttributes',
          startedAttributes(scheduledEventId),
        ),
      );
    } else {
      scheduledEventId = wft.scheduledEventId!;
      startedEventId = this.history.append(now, {
        type: E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        attributes: startedAttributes(scheduledEventId),
      }).eventId;
    }
    const queries = this.waitingQueries.splice(0).filter((q) => !q.settled);
    this.wft = {
      kind: 'started',
      seq,
      attempt: wft.attempt,
      scheduledEventId,
      startedEventId,
      transient,
      queue: wft.queue,
      sticky: wft.sticky,
      scheduledTime: wft.scheduledTime,
      startedTime: now,
      identity,
      timer: this.clock.after(this.start.workflowTaskTimeoutMs, () => this.wftTimedOut(seq)),
      queries,
    };
    const fromEventId = wft.sticky ? this.lastCompletedStartedEventId + 1 : 1;
    const events = [...this.history.slice(fromEventId), ...transientEvents];
    const response: WorkflowTaskResponse = {
      taskToken: encodeToken({
        kind: 'workflow',
        namespace: this.namespace,
        workflowId: this.workflowId,
        runId: this.runId,
        seq,
      }),
      workflowExecution: { workflowId: this.workflowId, runId: this.runId },
      workflowType: { name: this.workflowType },
      previousStartedEventId: this.lastCompletedStartedEventId,
      startedEventId,
      attempt: wft.attempt,
      history: { events },
      workflowExecutionTaskQueue: { name: this.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      scheduledTime: timestampFromMs(wft.scheduledTime),
      startedTime: timestampFromMs(now),
    };
    if (queries.length > 0) response.queries = Object.fromEntries(queries.map((q) => [q.id, q.query]));
    return response;
  }

  requireStartedWft(seq: number): StartedWft {
    const wft = this.wft;
    if (!this.isRunning || wft.kind !== 'started' || wft.seq !== seq) throw notFound('Workflow task not found.');
    return wft;
  }

  /** Writes the scheduled/started events of a transient task that is about to complete. */
  persistStartedWft(wft: StartedWft): void {
    if (!wft.transient) return;
    this.history.append(wft.scheduledTime, {
      type: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      attributes: {
        taskQueue: { name: this.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        startToCloseTimeout: durationFromMs(this.start.workflowTaskTimeoutMs),
        attempt: wft.attempt,
      },
    });
    this.history.append(wft.startedTime, {
      type: E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      attributes: {
        scheduledEventId: wft.scheduledEventId,
        identity: wft.identity,
        requestId: `${this.runId}-${wft.seq}`,
      },
    });
    wft.transient = false;
  }

  /** Ends the running task successfully; the caller then applies its commands via `applyCommands`. */
  completeStartedWft(wft: StartedWft, attributes: Message, sticky: Execution['sticky']): HistoryEvent {
    wft.timer.cancel();
    this.persistStartedWft(wft);
    this.wft = { kind: 'none' };
    const completed = this.append({
      type: E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      attributes: { scheduledEventId: wft.scheduledEventId, startedEventId: wft.startedEventId, ...attributes },
    });
    this.lastCompletedStartedEventId = wft.startedEventId;
    this.wftAttempt = 1;
    this.sticky = sticky;
    return completed;
  }

  /** Runs `apply` with workflow-task scheduling deferred, then flushes buffered events. */
  applyCommandsThenFlush(apply: () => void, forceNewTask: boolean): void {
    this.applyingCommands = true;
    this.wftNeededAfterCommands = false;
    try {
      apply();
    } finally {
      this.applyingCommands = false;
    }
    if (!this.isRunning) return;
    const flushed = this.flushBuffer();
    if (flushed || this.wftNeededAfterCommands || forceNewTask) this.scheduleWft();
    this.routeWaitingQueries();
  }

  hasBufferedEvents(): boolean {
    return this.buffer.length > 0;
  }

  /**
   * Fails the running task: writes WorkflowTaskFailed (not for a transient attempt, as Temporal),
   * flushes buffered events and schedules the next attempt. As in Temporal, a task that failed on a sticky
   * queue, or with UNHANDLED_COMMAND, is retried as a fresh attempt on the normal queue (full history).
   */
  failStartedWft(wft: StartedWft, cause: number, failure: Message | undefined, identity: string | undefined): void {
    wft.timer.cancel();
    const countsAsAttempt =
      !wft.sticky && cause !== enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
    if (!countsAsAttempt) this.persistStartedWft(wft);
    this.wft = { kind: 'none' };
    if (!wft.transient) {
      this.append({
        type: E.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        attributes: {
          scheduledEventId: wft.scheduledEventId,
          startedEventId: wft.startedEventId,
          cause,
          failure,
          identity,
        },
      });
    }
    this.afterFailedWft(wft, countsAsAttempt);
  }

  private wftTimedOut(seq: number): void {
    const wft = this.wft;
    if (!this.isRunning || wft.kind !== 'started' || wft.seq !== seq) return;
    this.wft = { kind: 'none' };
    if (!wft.transient) {
      this.append({
        type: E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        attributes: {
          scheduledEventId: wft.scheduledEventId,
          startedEventId: wft.startedEventId,
          timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
        },
      });
    }
    this.host.log.debug(`workflow task timed out: ${this.workflowId}/${this.runId}`);
    this.afterFailedWft(wft, !wft.sticky);
  }

  private afterFailedWft(wft: StartedWft, countsAsAttempt: boolean): void {
    this.waitingQueries.unshift(...wft.queries);
    this.wftAttempt = countsAsAttempt ? wft.attempt + 1 : 1;
    this.sticky = undefined;
    this.flushBuffer();
    this.scheduleWft(wftRetryBackoffMs(this.wftAttempt));
    this.host.changed();
  }

  /** A sticky task nobody picked up in time (its worker died): Temporal times it out and moves on to the normal queue. */
  private stickyScheduleToStartTimedOut(seq: number): void {
    const wft = this.wft;
    if (!this.isRunning || wft.kind !== 'scheduled' || wft.seq !== seq || !wft.sticky) return;
    this.wft = { kind: 'none' };
    this.sticky = undefined;
    if (wft.scheduledEventId !== undefined) {
      this.append({
        type: E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        attributes: {
          scheduledEventId: wft.scheduledEventId,
          timeoutType: enums.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
        },
      });
    }
    this.scheduleWft();
  }

  /** The sticky worker shut down: re-route a task waiting on its queue to the normal queue. */
  stickyWorkerGone(queue: string): void {
    if (this.sticky?.queue !== queue) return;
    this.sticky = undefined;
    const wft = this.wft;
    if (wft.kind === 'scheduled' && wft.sticky) {
      wft.timer?.cancel();
      wft.sticky = false;
      wft.queue = this.taskQueue;
      this.offerWft(this.taskQueue, wft.seq);
    }
  }

  private flushBuffer(): boolean {
    if (this.buffer.length === 0) return false;
    for (const draft of this.buffer.splice(0)) this.append(draft);
    return true;
  }

  // ---- queries --------------------------------------------------------------------------------

  query(q: PendingQuery): void {
    if (!this.isRunning || this.wft.kind === 'none') this.host.dispatchLegacyQuery(this, q);
    else this.waitingQueries.push(q);
  }

  /** Queries waiting for a task that will not come go out as legacy query tasks. */
  routeWaitingQueries(): void {
    if (this.isRunning && this.wft.kind !== 'none') return;
    for (const q of this.waitingQueries.splice(0)) this.host.dispatchLegacyQuery(this, q);
  }

  // ---- closing --------------------------------------------------------------------------------

  /** Appends the close event and releases everything the run holds. */
  close(draft: EventDraft, status: ExecutionStatusName, continuation?: Continuation): HistoryEvent {
    const event = this.append(draft);
    this.status = status;
    this.closeTime = this.now();
    this.successorRunId = continuation?.newRunId;
    for (const t of this.lifetimeTimers) t.cancel();
    this.lifetimeTimers = [];
    const wft = this.wft;
    if (wft.kind === 'scheduled') wft.timer?.cancel();
    if (wft.kind === 'started') wft.timer.cancel();
    this.wft = { kind: 'none' };
    this.buffer = [];
    this.activities.releaseAll();
    this.timers.releaseAll();
    this.sticky = undefined;
    this.host.onRunClosed(this, continuation);
    this.routeWaitingQueries();
    this.history.notify();
    this.host.changed();
    return event;
  }

  /** Closes from outside a workflow task (terminate, timeout): a running task fails first, as in Temporal. */
  forceClose(draft: EventDraft, status: ExecutionStatusName, continuation?: Continuation): HistoryEvent {
    const wft = this.wft;
    if (wft.kind === 'started') {
      wft.timer.cancel();
      this.wft = { kind: 'none' };
      if (!wft.transient) {
        this.append({
          type: E.EVENT_TYPE_WORKFLOW_TASK_FAILED,
          attributes: {
            scheduledEventId: wft.scheduledEventId,
            startedEventId: wft.startedEventId,
            cause: enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
            identity: wft.identity,
          },
        });
      }
      this.waitingQueries.unshift(...wft.queries);
      this.flushBuffer();
    }
    return this.close(draft, status, continuation);
  }

  private timeOut(): void {
    if (!this.isRunning) return;
    const failure = {
      message: 'Workflow timed out',
      source: 'Server',
      timeoutFailureInfo: { timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE },
    };
    const { retryState, continuation } = workflowRetry(this, failure);
    this.forceClose(
      {
        type: E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        attributes: { retryState, newExecutionRunId: continuation?.newRunId },
      },
      'TimedOut',
      continuation,
    );
  }
}

export interface ChildRecord {
  initiatedEventId: number;
  namespace: string;
  workflowId: string;
  workflowType: string;
  runId?: string;
  startedEventId?: number;
  parentClosePolicy: number;
}

function buildTransient(eventId: number, timeMs: number, type: number, key: string, attributes: Message): HistoryEvent {
  return { eventId, eventTime: timestampFromMs(timeMs), eventType: type, taskId: 0, [key]: attributes };
}

/** Temporal retries failing workflow tasks at once a couple of times, then backs off up to 10 minutes. */
function wftRetryBackoffMs(attempt: number): number {
  if (attempt < 3) return 0;
  return Math.min(5_000 * 2 ** (attempt - 3), WFT_RETRY_MAX_BACKOFF_MS);
}

function encodeSearchAttributesFor(exec: Execution): Message {
  return encodeSearchAttributes(exec.searchAttributes, exec.host.registry(exec.namespace));
}
