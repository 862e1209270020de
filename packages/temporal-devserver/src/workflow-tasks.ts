// The workflow-task lifecycle of one run: scheduling (normal or sticky queue, retry backoff), handing the
// task to a poller with the history it needs, and ending it (completed, failed, timed out, sticky
// schedule-to-start timeout). Events go through the run; the run decides when a task is needed.
import type { temporal } from '@temporalio/proto';
import type { ClockTimer } from './clock';
import { notFound } from './errors';
import type { Execution, WorkflowTaskResponse } from './execution';
import type { EventType, HistoryEvent } from './history';
import { durationFromMs, enums, timestampFromMs, type Message } from './proto';
import type { PendingQuery } from './queries';
import type { QueuedTask } from './task-queue';
import { encodeToken } from './tokens';

const E = enums.EventType;

const STICKY_WORKER_GRACE_MS = 10_000;
const WFT_RETRY_MAX_BACKOFF_MS = 10 * 60_000;
/** Temporal's history.discardSpeculativeWorkflowTaskMaximumEventsCount default. */
const DISCARD_SPECULATIVE_MAX_EVENTS = 10;

export type WftState =
  | { kind: 'none' }
  | {
      kind: 'scheduled';
      seq: number;
      attempt: number;
      scheduledEventId?: number | undefined;
      queue: string;
      sticky: boolean;
      scheduledTime: number;
      timer?: ClockTimer | undefined;
      /** Waiting out a retry backoff: not on any queue yet. */
      delayed?: boolean | undefined;
      /** Only delivers updates to an idle run (Temporal's speculative task): no scheduled event written. */
      speculative?: boolean | undefined;
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
  /** Written to history only if it does more than reject updates (Temporal's speculative task). */
  speculative: boolean;
  queue: string;
  sticky: boolean;
  scheduledTime: number;
  startedTime: number;
  identity: string;
  timer: ClockTimer;
  queries: PendingQuery[];
}

export interface StickyQueue {
  queue: string;
  scheduleToStartMs: number;
}

/** The workflow-task state as stored on disk: no timers, no queries, no sticky queue (a restart drops it). */
export interface WorkflowTasksSnapshot {
  state:
    { kind: 'none' } | Omit<Extract<WftState, { kind: 'scheduled' }>, 'timer'> | Omit<StartedWft, 'timer' | 'queries'>;
  lastCompletedStartedEventId: number;
  seq: number;
  attempt: number;
}

export class WorkflowTasks {
  private current: WftState = { kind: 'none' };
  sticky?: StickyQueue | undefined;
  lastCompletedStartedEventId = 0;
  private seq = 0;
  private attempt = 1;

  constructor(private readonly exec: Execution) {}

  get state(): WftState {
    return this.current;
  }

  set state(next: WftState) {
    this.current = next;
    this.exec.markDirty();
  }

  snapshot(): WorkflowTasksSnapshot {
    const wft = this.current;
    let state: WorkflowTasksSnapshot['state'];
    switch (wft.kind) {
      case 'none':
        state = wft;
        break;
      case 'scheduled': {
        const { timer: _timer, ...rest } = wft;
        state = rest;
        break;
      }
      case 'started': {
        const { timer: _timer, queries: _queries, ...rest } = wft;
        state = rest;
        break;
      }
    }
    return {
      state,
      lastCompletedStartedEventId: this.lastCompletedStartedEventId,
      seq: this.seq,
      attempt: this.attempt,
    };
  }

  /**
   * Rebuilds the task after a restart. A scheduled task goes back on its run's normal queue (sticky queues do not
   * survive); a started one keeps its token valid, so the worker that holds it can still complete it, and times out
   * at its original deadline otherwise.
   */
  restore(snap: WorkflowTasksSnapshot): void {
    this.lastCompletedStartedEventId = snap.lastCompletedStartedEventId;
    this.seq = snap.seq;
    this.attempt = snap.attempt;
    const wft = snap.state;
    const clock = this.exec.clock;
    switch (wft.kind) {
      case 'none':
        this.current = wft;
        break;
      case 'scheduled': {
        const seq = wft.seq;
        // A speculative task lives in memory only, as the updates it delivers (their clients retry them).
        if (wft.speculative) {
          this.current = { kind: 'none' };
        } else if (wft.delayed) {
          this.current = {
            ...wft,
            timer: clock.at(wft.scheduledTime, () => {
              if (this.state.kind === 'scheduled' && this.state.seq === seq) {
                this.state = { kind: 'none' };
                this.schedule();
              }
            }),
          };
        } else {
          this.current = { ...wft, sticky: false, queue: this.exec.taskQueue };
          this.offer(this.exec.taskQueue, seq);
        }
        break;
      }
      case 'started': {
        const seq = wft.seq;
        if (wft.speculative) {
          this.current = { kind: 'none' };
          break;
        }
        this.current = {
          ...wft,
          queries: [],
          timer: clock.at(wft.startedTime + this.exec.start.workflowTaskTimeoutMs, () => this.timedOut(seq)),
        };
        break;
      }
    }
  }

  get isStarted(): boolean {
    return this.state.kind === 'started';
  }

  /** A task is scheduled or running (so new events will reach the workflow without another one). */
  get isOutstanding(): boolean {
    return this.state.kind !== 'none';
  }

  /** A worker has a task to poll or is running one (a task waiting out a retry backoff is not). */
  get isPending(): boolean {
    return this.state.kind === 'started' || (this.state.kind === 'scheduled' && !this.state.delayed);
  }

  /**
   * A task to deliver an update to an idle run, as Temporal's speculative workflow task: its scheduled and started
   * events are written only if it completes with more than update rejections (see `discardable`), or if another
   * event comes first (`eventAdded` makes it a normal task). A rejected update thus leaves no trace in history.
   */
  scheduleSpeculative(): void {
    this.schedule(0, true);
  }

  schedule(delayMs = 0, speculative = false): void {
    const exec = this.exec;
    if (!exec.isRunning || this.state.kind !== 'none') return;
    if (exec.start.firstWorkflowTaskBackoffMs > 0 && exec.now() < exec.executionTime) return;
    if (delayMs > 0) {
      const seq = ++this.seq;
      this.state = {
        kind: 'scheduled',
        seq,
        attempt: this.attempt,
        queue: exec.taskQueue,
        sticky: false,
        scheduledTime: exec.now() + delayMs,
        delayed: true,
        timer: exec.clock.after(delayMs, () => {
          if (this.state.kind === 'scheduled' && this.state.seq === seq) {
            this.state = { kind: 'none' };
            this.schedule();
          }
        }),
      };
      return;
    }
    const seq = ++this.seq;
    const attempt = this.attempt;
    const sticky =
      this.sticky && exec.host.workflowQueue(exec.namespace, this.sticky.queue).hasRecentPoller(STICKY_WORKER_GRACE_MS)
        ? this.sticky
        : undefined;
    if (!sticky) this.sticky = undefined;
    const queue = sticky?.queue ?? exec.taskQueue;
    const isSpeculative = speculative && attempt === 1;
    const scheduledEventId = attempt === 1 && !isSpeculative ? this.appendScheduled(sticky, attempt) : undefined;
    const timer = sticky
      ? exec.clock.after(sticky.scheduleToStartMs, () => this.stickyScheduleToStartTimedOut(seq))
      : undefined;
    this.state = {
      kind: 'scheduled',
      seq,
      attempt,
      scheduledEventId,
      queue,
      sticky: !!sticky,
      scheduledTime: exec.now(),
      timer,
      ...(isSpeculative ? { speculative: true } : {}),
    };
    this.offer(queue, seq);
    exec.host.changed();
  }

  private appendScheduled(sticky: StickyQueue | undefined, attempt: number): number {
    const exec = this.exec;
    return exec.append({
      type: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      attributes: {
        taskQueue: sticky
          ? { name: sticky.queue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: exec.taskQueue }
          : { name: exec.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        startToCloseTimeout: durationFromMs(exec.start.workflowTaskTimeoutMs),
        attempt,
      },
    }).eventId;
  }

  /** An event was written while a speculative task waits for a worker: it becomes a normal one, as in Temporal. */
  eventAdded(): void {
    const wft = this.state;
    if (wft.kind !== 'scheduled' || !wft.speculative) return;
    wft.speculative = false;
    wft.scheduledEventId = this.appendScheduled(wft.sticky ? this.sticky : undefined, wft.attempt);
  }

  /**
   * Temporal's skipWorkflowTaskCompletedEvent: a speculative task that returns no commands and only rejects updates
   * is dropped, unless it shipped events the worker cannot take twice (after the last completed task's events: none
   * without the worker's `discardSpeculativeWorkflowTaskWithEvents` capability, at most ten with it).
   */
  discardable(
    wft: StartedWft,
    hasCommands: boolean,
    onlyRejections: boolean,
    workerTakesEventsAgain: boolean,
  ): boolean {
    if (!wft.speculative || hasCommands || !onlyRejections) return false;
    const shipped = wft.scheduledEventId - (this.lastCompletedStartedEventId + 2);
    return shipped <= (workerTakesEventsAgain ? DISCARD_SPECULATIVE_MAX_EVENTS : 0);
  }

  /** Drops a speculative task (see `discardable`): nothing of it is written. */
  discard(wft: StartedWft, sticky: StickyQueue | undefined): void {
    wft.timer.cancel();
    this.state = { kind: 'none' };
    this.attempt = 1;
    this.sticky = sticky;
  }

  private offer(queue: string, seq: number): void {
    const task: QueuedTask<WorkflowTaskResponse> = {
      dispatch: (identity) => this.startTask(seq, identity),
      onQueueGone: () => this.stickyWorkerGone(queue),
    };
    this.exec.host.workflowQueue(this.exec.namespace, queue).offer(task);
  }

  /** A worker polled the scheduled task: mark it started and build its poll response. */
  private startTask(seq: number, identity: string): WorkflowTaskResponse | null {
    const exec = this.exec;
    const wft = this.state;
    if (!exec.isRunning || wft.kind !== 'scheduled' || wft.seq !== seq) return null;
    wft.timer?.cancel();
    const transient = wft.scheduledEventId === undefined;
    const now = exec.now();
    let scheduledEventId: number;
    let startedEventId: number;
    const transientEvents: HistoryEvent[] = [];
    const startedAttributes = (scheduled: number) => ({
      scheduledEventId: scheduled,
      identity,
      requestId: `${exec.runId}-${seq}`,
      historySizeBytes: 0,
    });
    if (transient) {
      scheduledEventId = exec.history.nextEventId;
      startedEventId = scheduledEventId + 1;
      transientEvents.push(
        buildTransient(
          scheduledEventId,
          now,
          E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
          'workflowTaskScheduledEventAttributes',
          {
            taskQueue: { name: exec.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            startToCloseTimeout: durationFromMs(exec.start.workflowTaskTimeoutMs),
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
      startedEventId = exec.history.append(now, {
        type: E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        attributes: startedAttributes(scheduledEventId),
      }).eventId;
    }
    const queries = exec.waitingQueries.splice(0).filter((q) => !q.settled);
    this.state = {
      kind: 'started',
      seq,
      attempt: wft.attempt,
      scheduledEventId,
      startedEventId,
      transient,
      speculative: !!wft.speculative,
      queue: wft.queue,
      sticky: wft.sticky,
      scheduledTime: wft.scheduledTime,
      startedTime: now,
      identity,
      timer: exec.clock.after(exec.start.workflowTaskTimeoutMs, () => this.timedOut(seq)),
      queries,
    };
    const fromEventId = wft.sticky ? this.lastCompletedStartedEventId + 1 : 1;
    const events = [...exec.history.slice(fromEventId), ...transientEvents];
    const response: WorkflowTaskResponse = {
      taskToken: encodeToken({
        kind: 'workflow',
        namespace: exec.namespace,
        workflowId: exec.workflowId,
        runId: exec.runId,
        seq,
      }),
      workflowExecution: { workflowId: exec.workflowId, runId: exec.runId },
      workflowType: { name: exec.workflowType },
      previousStartedEventId: this.lastCompletedStartedEventId,
      startedEventId,
      attempt: wft.attempt,
      history: { events },
      workflowExecutionTaskQueue: { name: exec.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      scheduledTime: timestampFromMs(wft.scheduledTime),
      startedTime: timestampFromMs(now),
    };
    if (queries.length > 0) response.queries = Object.fromEntries(queries.map((q) => [q.id, q.query]));
    const messages = exec.updates.requestMessages(startedEventId);
    if (messages.length > 0) response.messages = messages;
    return response;
  }

  requireStarted(seq: number): StartedWft {
    const wft = this.state;
    if (!this.exec.isRunning || wft.kind !== 'started' || wft.seq !== seq) throw notFound('Workflow task not found.');
    return wft;
  }

  /** Writes the scheduled/started events of a transient task that is about to complete. */
  private persistStarted(wft: StartedWft): void {
    if (!wft.transient) return;
    const exec = this.exec;
    exec.history.append(wft.scheduledTime, {
      type: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      attributes: {
        taskQueue: { name: exec.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        startToCloseTimeout: durationFromMs(exec.start.workflowTaskTimeoutMs),
        attempt: wft.attempt,
      },
    });
    exec.history.append(wft.startedTime, {
      type: E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      attributes: {
        scheduledEventId: wft.scheduledEventId,
        identity: wft.identity,
        requestId: `${exec.runId}-${wft.seq}`,
      },
    });
    wft.transient = false;
  }

  /** Ends the running task successfully; the caller then applies its commands through the run. */
  complete(wft: StartedWft, attributes: Message, sticky: StickyQueue | undefined): HistoryEvent {
    wft.timer.cancel();
    this.persistStarted(wft);
    this.state = { kind: 'none' };
    const completed = this.exec.append({
      type: E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      attributes: { scheduledEventId: wft.scheduledEventId, startedEventId: wft.startedEventId, ...attributes },
    });
    this.lastCompletedStartedEventId = wft.startedEventId;
    this.attempt = 1;
    this.sticky = sticky;
    return completed;
  }

  /**
   * Fails the running task: writes WorkflowTaskFailed (not for a transient attempt, as Temporal),
   * flushes buffered events and schedules the next attempt. As in Temporal, a task that failed on a sticky
   * queue, or with UNHANDLED_COMMAND, is retried as a fresh attempt on the normal queue (full history).
   */
  fail(
    wft: StartedWft,
    cause: temporal.api.enums.v1.WorkflowTaskFailedCause,
    failure: Message | undefined,
    identity: string | undefined,
  ): void {
    wft.timer.cancel();
    const countsAsAttempt =
      !wft.sticky && cause !== enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
    if (!countsAsAttempt || wft.speculative) this.persistStarted(wft);
    this.state = { kind: 'none' };
    this.recordAttemptEnd(wft, E.EVENT_TYPE_WORKFLOW_TASK_FAILED, { cause, failure, identity });
    this.afterFailure(wft, countsAsAttempt);
  }

  /** The run is closing from outside a task (terminate, timeout): a running task fails first, as in Temporal. */
  failForForceClose(): void {
    const wft = this.state;
    if (wft.kind !== 'started') return;
    wft.timer.cancel();
    this.state = { kind: 'none' };
    this.recordAttemptEnd(wft, E.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      cause: enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
      identity: wft.identity,
    });
    this.exec.waitingQueries.unshift(...wft.queries);
    this.exec.flushBufferedEvents();
  }

  /** The run closed: nothing more is scheduled or routed. */
  release(): void {
    const wft = this.state;
    if (wft.kind !== 'none') wft.timer?.cancel();
    this.state = { kind: 'none' };
    this.sticky = undefined;
  }

  private timedOut(seq: number): void {
    const exec = this.exec;
    const wft = this.state;
    if (!exec.isRunning || wft.kind !== 'started' || wft.seq !== seq) return;
    if (wft.speculative) this.persistStarted(wft);
    this.state = { kind: 'none' };
    this.recordAttemptEnd(wft, E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
      timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
    });
    exec.host.log.debug(`workflow task timed out: ${exec.workflowId}/${exec.runId}`);
    this.afterFailure(wft, !wft.sticky);
  }

  /** Writes the event that ends a started attempt; a transient attempt is not in history, so nothing is written. */
  private recordAttemptEnd(wft: StartedWft, type: EventType, attributes: Message): void {
    if (wft.transient) return;
    this.exec.append({
      type,
      attributes: { scheduledEventId: wft.scheduledEventId, startedEventId: wft.startedEventId, ...attributes },
    });
  }

  private afterFailure(wft: StartedWft, countsAsAttempt: boolean): void {
    this.exec.waitingQueries.unshift(...wft.queries);
    this.attempt = countsAsAttempt ? wft.attempt + 1 : 1;
    this.sticky = undefined;
    this.exec.flushBufferedEvents();
    this.schedule(wftRetryBackoffMs(this.attempt));
    this.exec.host.changed();
  }

  /** A sticky task nobody picked up in time (its worker died): Temporal times it out and moves on to the normal queue. */
  private stickyScheduleToStartTimedOut(seq: number): void {
    const wft = this.state;
    if (!this.exec.isRunning || wft.kind !== 'scheduled' || wft.seq !== seq || !wft.sticky) return;
    this.state = { kind: 'none' };
    this.sticky = undefined;
    if (wft.scheduledEventId !== undefined) {
      this.exec.append({
        type: E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        attributes: {
          scheduledEventId: wft.scheduledEventId,
          timeoutType: enums.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
        },
      });
    }
    this.schedule();
  }

  /** The sticky worker shut down: re-route a task waiting on its queue to the normal queue. */
  stickyWorkerGone(queue: string): void {
    if (this.sticky?.queue !== queue) return;
    this.sticky = undefined;
    const wft = this.state;
    if (wft.kind === 'scheduled' && wft.sticky) {
      wft.timer?.cancel();
      wft.sticky = false;
      wft.queue = this.exec.taskQueue;
      this.offer(this.exec.taskQueue, wft.seq);
    }
  }
}

function buildTransient(eventId: number, timeMs: number, type: number, key: string, attributes: Message): HistoryEvent {
  return { eventId, eventTime: timestampFromMs(timeMs), eventType: type, taskId: 0, [key]: attributes };
}

/** Temporal retries failing workflow tasks at once a couple of times, then backs off up to 10 minutes. */
function wftRetryBackoffMs(attempt: number): number {
  if (attempt < 3) return 0;
  return Math.min(5_000 * 2 ** (attempt - 3), WFT_RETRY_MAX_BACKOFF_MS);
}
