// One workflow run: its history, the events buffered while a workflow task runs, and the state derived
// from its events (its workflow-task lifecycle is in workflow-tasks.ts). Everything that happens to a run
// goes through `append` (direct) or `record` (buffered while a workflow task is running, as Temporal's
// mutable state does).
import type { temporal } from '@temporalio/proto';
import type { Clock, ClockTimer } from './clock';
import { History, type EventDraft, type HistoryEvent } from './history';
import type { Logger } from './logger';
import { durationFromMs, enums, timestampFromMs, type Message, type Payload, type Payloads } from './proto';
import type { TaskQueue } from './task-queue';
import type { ExecutionStatusName } from './visibility/record';
import { encodeSearchAttributes, type SearchAttributeRegistry } from './visibility/search-attributes';
import { Activities, type ActivitySnapshot, type ActivityTaskResponse } from './activities';
import { UserTimers, type TimerSnapshot } from './timers';
import { workflowRetry } from './workflow-retry';
import { cronContinuation } from './schedules/cron';
import { Updates } from './updates';
import { WorkflowTasks, type WorkflowTasksSnapshot } from './workflow-tasks';
import type { PendingQuery } from './queries';

const E = enums.EventType;

export type WorkflowTaskResponse = Message;

export interface ParentRef {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
}

/** What describes a run both in a start request (after validation) and in the run it creates. */
export interface RunDefinition {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input?: Payloads | undefined;
  header?: Message | undefined;
  memo: Record<string, Payload>;
  searchAttributes: Record<string, unknown>;
  runTimeoutMs: number;
  executionTimeoutMs: number;
  workflowTaskTimeoutMs: number;
  retryPolicy?: Message | undefined;
  identity?: string | undefined;
  requestId?: string | undefined;
  parent?: ParentRef | undefined;
  root?: { workflowId: string; runId: string } | undefined;
  userMetadata?: Message | undefined;
  priority?: Message | undefined;
  /** A cron workflow: each run's close starts the next one at the next cron time. */
  cronSchedule?: string | undefined;
}

/** What a new run starts from (a client start, a child start, continue-as-new or a workflow retry). */
export interface RunStart extends RunDefinition {
  namespace: string;
  runId: string;
  firstRunId: string;
  /** Absolute deadline of the whole chain of runs (execution timeout), if any. */
  expirationTime?: number | undefined;
  attempt: number;
  continuedExecutionRunId?: string | undefined;
  initiator?: number | undefined;
  continuedFailure?: Message | undefined;
  lastCompletionResult?: Payloads | undefined;
  firstWorkflowTaskBackoffMs: number;
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
  /** The run's stored state changed: the store writes it before the next answer to a client. */
  markDirty(exec: Execution): void;
}

/** A buffered event as stored on disk (attributes evaluated; callbacks do not survive a restart). */
export interface BufferedDraft {
  type: EventDraft['type'];
  attributes: Message;
  userMetadata?: Message | undefined;
  startedFromPrevious?: boolean | undefined;
}

/** A run's mutable state as stored on disk, beside its start and its history. */
export interface ExecutionSnapshot {
  status: ExecutionStatusName;
  startTime: number;
  executionTime: number;
  closeTime?: number | undefined;
  memo: Record<string, Payload>;
  searchAttributes: Record<string, unknown>;
  cancelRequested: boolean;
  successorRunId?: string | undefined;
  requestIds: string[];
  buffer: BufferedDraft[];
  tasks: WorkflowTasksSnapshot;
  activities: ActivitySnapshot[];
  timers: TimerSnapshot[];
  children: ChildRecord[];
}

export class Execution {
  readonly history = new History();
  readonly activities: Activities;
  readonly timers: UserTimers;
  readonly children = new Map<number, ChildRecord>();
  readonly requestIds = new Set<string>();
  startTime: number;
  executionTime: number;
  status: ExecutionStatusName = 'Running';
  closeTime?: number | undefined;
  memo: Record<string, Payload>;
  searchAttributes: Record<string, unknown>;
  cancelRequested = false;
  readonly tasks: WorkflowTasks;
  readonly updates: Updates;
  /** Run id of the run that continued this one (continue-as-new or retry). */
  successorRunId?: string | undefined;
  waitingQueries: PendingQuery[] = [];
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
    this.tasks = new WorkflowTasks(this);
    this.updates = new Updates(this);
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

  markDirty(): void {
    this.host.markDirty(this);
  }

  snapshot(): ExecutionSnapshot {
    return {
      status: this.status,
      startTime: this.startTime,
      executionTime: this.executionTime,
      ...(this.closeTime !== undefined ? { closeTime: this.closeTime } : {}),
      memo: this.memo,
      searchAttributes: this.searchAttributes,
      cancelRequested: this.cancelRequested,
      ...(this.successorRunId !== undefined ? { successorRunId: this.successorRunId } : {}),
      requestIds: [...this.requestIds],
      buffer: this.buffer.map((draft) => ({
        type: draft.type,
        attributes: typeof draft.attributes === 'function' ? draft.attributes() : draft.attributes,
        ...(draft.userMetadata ? { userMetadata: draft.userMetadata } : {}),
        ...(draft.startedFromPrevious ? { startedFromPrevious: true } : {}),
      })),
      tasks: this.tasks.snapshot(),
      activities: this.activities.snapshot(),
      timers: this.timers.snapshot(),
      children: [...this.children.values()],
    };
  }

  /**
   * Rebuilds a stored run after a restart: its history and state as they were, and every timer re-armed at its
   * original due time (one that fell due while the server was down fires at once), tasks back on their queues.
   */
  static restore(host: ExecutionHost, start: RunStart, snap: ExecutionSnapshot, events: HistoryEvent[]): Execution {
    const exec = new Execution(host, start);
    exec.history.load(events);
    exec.startTime = snap.startTime;
    exec.executionTime = snap.executionTime;
    exec.status = snap.status;
    exec.closeTime = snap.closeTime;
    exec.memo = snap.memo;
    exec.searchAttributes = snap.searchAttributes;
    exec.cancelRequested = snap.cancelRequested;
    exec.successorRunId = snap.successorRunId;
    for (const id of snap.requestIds) exec.requestIds.add(id);
    for (const child of snap.children) exec.children.set(child.initiatedEventId, child);
    exec.updates.restore(events);
    if (!exec.isRunning) return exec;
    exec.buffer = snap.buffer.map((draft) => ({ ...draft }));
    exec.armLifetimeTimers();
    exec.timers.restore(snap.timers);
    exec.activities.restore(snap.activities);
    exec.tasks.restore(snap.tasks);
    if (
      start.firstWorkflowTaskBackoffMs > 0 &&
      snap.tasks.state.kind === 'none' &&
      !events.some((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
    ) {
      exec.lifetimeTimers.push(exec.clock.at(exec.executionTime, () => exec.tasks.schedule()));
    }
    return exec;
  }

  private armLifetimeTimers(): void {
    const s = this.start;
    if (s.runTimeoutMs > 0)
      this.lifetimeTimers.push(this.clock.at(this.startTime + s.runTimeoutMs, () => this.timeOut()));
    if (s.expirationTime !== undefined) this.lifetimeTimers.push(this.clock.at(s.expirationTime, () => this.timeOut()));
  }

  /** True while the run has work a worker must do (time skipping waits for it). */
  isBusy(): boolean {
    return (
      this.isRunning &&
      (this.tasks.isPending || this.activities.isBusy() || this.waitingQueries.length > 0 || this.updates.hasAdmitted())
    );
  }

  /** Appends directly; only valid when no workflow task is running. */
  append(draft: EventDraft): HistoryEvent {
    if (this.tasks.isStarted) throw new Error(`bug: append while a workflow task runs (${draft.type})`);
    this.markDirty();
    const event = this.history.append(this.now(), draft);
    this.tasks.eventAdded();
    return event;
  }

  /** Adds an event the workflow must see, then makes sure a workflow task will deliver it. */
  record(...drafts: EventDraft[]): void {
    if (!this.isRunning) return;
    for (const draft of drafts) {
      if (this.tasks.isStarted) this.buffer.push(draft);
      else this.append(draft);
    }
    this.markDirty();
    if (this.applyingCommands) this.wftNeededAfterCommands = true;
    else this.tasks.schedule();
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
        cronSchedule: s.cronSchedule,
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
    this.armLifetimeTimers();
    if (s.firstWorkflowTaskBackoffMs > 0) {
      this.lifetimeTimers.push(this.clock.after(s.firstWorkflowTaskBackoffMs, () => this.tasks.schedule()));
    } else {
      this.tasks.schedule();
    }
  }

  encodedSearchAttributes(): Message | undefined {
    if (Object.keys(this.searchAttributes).length === 0) return undefined;
    return { indexedFields: encodeSearchAttributesFor(this) };
  }

  // ---- events and workflow tasks ---------------------------------------------------------------

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
    const flushed = this.flushBufferedEvents();
    if (flushed || this.wftNeededAfterCommands || forceNewTask) this.tasks.schedule();
    this.routeWaitingQueries();
  }

  /** True if events other than the TimerFired events of `canceledTimerIds` are buffered. */
  hasBufferedEventsBesidesFiredTimers(canceledTimerIds: ReadonlySet<string>): boolean {
    return this.buffer.some((draft) => !canceledTimerIds.has(bufferedTimerFired(draft)?.timerId ?? ''));
  }

  /** True if the timer fired while the running task was in flight (its TimerFired event is buffered). */
  hasBufferedTimerFired(timerId: string): boolean {
    return this.buffer.some((draft) => bufferedTimerFired(draft)?.timerId === timerId);
  }

  /** Drops a buffered TimerFired event (Temporal's GetAndRemoveTimerFireEvent); returns what it held. */
  removeBufferedTimerFired(timerId: string): { timerId: string; startedEventId: number } | undefined {
    const index = this.buffer.findIndex((draft) => bufferedTimerFired(draft)?.timerId === timerId);
    if (index < 0) return undefined;
    return bufferedTimerFired(this.buffer.splice(index, 1)[0]!);
  }

  /** True if a close event of the activity is buffered (Temporal's HasActivityFinishEvent). */
  hasBufferedActivityFinish(scheduledEventId: number): boolean {
    return this.buffer.some(
      (draft) =>
        ACTIVITY_FINISH_EVENTS.has(draft.type) &&
        typeof draft.attributes !== 'function' &&
        draft.attributes.scheduledEventId === scheduledEventId,
    );
  }

  /** Appends the events buffered while a task ran; true if there were any. */
  flushBufferedEvents(): boolean {
    if (this.buffer.length === 0) return false;
    for (const draft of this.buffer.splice(0)) this.append(draft);
    return true;
  }

  // ---- queries --------------------------------------------------------------------------------

  query(q: PendingQuery): void {
    if (!this.isRunning || !this.tasks.isOutstanding) this.host.dispatchLegacyQuery(this, q);
    else this.waitingQueries.push(q);
  }

  /** Queries waiting for a task that will not come go out as legacy query tasks. */
  routeWaitingQueries(): void {
    if (this.isRunning && this.tasks.isOutstanding) return;
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
    this.tasks.release();
    this.buffer = [];
    this.activities.releaseAll();
    this.timers.releaseAll();
    this.host.onRunClosed(this, continuation);
    this.updates.closed();
    this.routeWaitingQueries();
    this.history.notify();
    this.host.changed();
    return event;
  }

  /** Closes from outside a workflow task (terminate, timeout): a running task fails first, as in Temporal. */
  forceClose(draft: EventDraft, status: ExecutionStatusName, continuation?: Continuation): HistoryEvent {
    this.tasks.failForForceClose();
    return this.close(draft, status, continuation);
  }

  private timeOut(): void {
    if (!this.isRunning) return;
    const failure = {
      message: 'Workflow timed out',
      source: 'Server',
      timeoutFailureInfo: { timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE },
    };
    const retry = workflowRetry(this, failure);
    const { retryState } = retry;
    const continuation = retry.continuation ?? cronContinuation(this, {});
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
  runId?: string | undefined;
  startedEventId?: number | undefined;
  parentClosePolicy: temporal.api.enums.v1.ParentClosePolicy;
}

const ACTIVITY_FINISH_EVENTS: ReadonlySet<number> = new Set([
  E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  E.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
]);

function bufferedTimerFired(draft: EventDraft): { timerId: string; startedEventId: number } | undefined {
  if (draft.type !== E.EVENT_TYPE_TIMER_FIRED || typeof draft.attributes === 'function') return undefined;
  return draft.attributes as { timerId: string; startedEventId: number };
}

function encodeSearchAttributesFor(exec: Execution): Message {
  return encodeSearchAttributes(exec.searchAttributes, exec.host.registry(exec.namespace));
}
