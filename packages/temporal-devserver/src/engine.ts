// The server's state: namespaces, their runs (by workflow id and run id), task queues, the clock and
// the operations that span runs (start with id policies, signal, cancel, terminate, children).
import type { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Clock } from './clock';
import type {
  CancelExternalAttributes,
  CrossRunEffects,
  SignalExternalAttributes,
  StartChildAttributes,
} from './commands';
import { alreadyStarted, ApiError, namespaceNotFound, workflowNotFound, notFound } from './errors';
import {
  Execution,
  type Continuation,
  type ExecutionHost,
  type RunDefinition,
  type RunStart,
  type WorkflowTaskResponse,
} from './execution';
import type { EventDraft } from './history';
import type { Logger } from './logger';
import { enums, msFromDuration, type Message, type Payloads } from './proto';
import { QueryBroker, type PendingQuery } from './queries';
import { TaskQueue } from './task-queue';
import type { RunWrite, SqliteStore, StoredNamespace } from './persistence/store';
import type { ActivityTaskResponse } from './activities';
import type { ExecutionStatusName } from './visibility/record';
import { Schedules } from './schedules/registry';
import {
  decodeSearchAttributes,
  SearchAttributeRegistry,
  type SearchAttributeType,
} from './visibility/search-attributes';

const E = enums.EventType;

export class Namespace {
  readonly registry: SearchAttributeRegistry;
  /** Runs per workflow id, oldest first; the last one is the current run. */
  readonly runsByWorkflowId = new Map<string, Execution[]>();
  readonly runsByRunId = new Map<string, Execution>();

  constructor(
    readonly name: string,
    searchAttributes: Record<string, SearchAttributeType>,
    readonly id: string = randomUUID(),
  ) {
    this.registry = new SearchAttributeRegistry(searchAttributes);
  }

  current(workflowId: string): Execution | undefined {
    const runs = this.runsByWorkflowId.get(workflowId);
    return runs?.[runs.length - 1];
  }

  *allRuns(): Iterable<Execution> {
    yield* this.runsByRunId.values();
  }
}

/** A start request after validation and defaults (0 ms timeouts are unset: the engine applies its defaults). */
export interface StartParams extends RunDefinition {
  reusePolicy?: temporal.api.enums.v1.WorkflowIdReusePolicy | undefined;
  conflictPolicy?: temporal.api.enums.v1.WorkflowIdConflictPolicy | undefined;
  startDelayMs: number;
  /** Signal-with-start: the signal recorded right after the started event. */
  signal?: { name: string; input?: Payloads | undefined; header?: Message | undefined } | undefined;
  /** A schedule's start hands on its previous action's result or failure. */
  lastCompletionResult?: Payloads | undefined;
  continuedFailure?: Message | undefined;
}

export interface EngineOptions {
  namespaces: string[];
  searchAttributes: Record<string, SearchAttributeType>;
  timeSkipping: boolean;
  log: Logger;
  /** On-disk store: state is loaded from it at start and every change is written before it is acknowledged. */
  store?: SqliteStore | undefined;
}

const DEFAULT_WFT_TIMEOUT_MS = 10_000;
const MAX_WFT_TIMEOUT_MS = 120_000;
const CLOSED_REUSABLE_AFTER_FAILURE: ReadonlySet<ExecutionStatusName> = new Set([
  'Failed',
  'Canceled',
  'Terminated',
  'TimedOut',
]);

export class Engine implements ExecutionHost, CrossRunEffects {
  readonly clock: Clock;
  readonly log: Logger;
  readonly queries = new QueryBroker();
  readonly schedules: Schedules = new Schedules(this);
  private readonly namespaces = new Map<string, Namespace>();
  private readonly queues = new Map<string, TaskQueue<Message>>();
  private readonly running = new Set<Execution>();
  private readonly defaultSearchAttributes: Record<string, SearchAttributeType>;
  private readonly store: SqliteStore | undefined;
  /** Runs changed since the last flush to the store. */
  private readonly dirty = new Set<Execution>();
  /** How many history events of each run are in the store. */
  private readonly storedEventCount = new WeakMap<Execution, number>();
  private storedNamespaces = '';
  private storedClockOffset = 0;
  private stopped = false;
  private pendingFlush: Promise<void> | undefined;

  constructor(opts: EngineOptions) {
    this.log = opts.log;
    this.defaultSearchAttributes = opts.searchAttributes;
    this.store = opts.store;
    this.clock = new Clock(
      opts.timeSkipping,
      () => this.isIdle(),
      (err) => this.log.error(`timer callback failed: ${String(err)}`),
      () => {
        this.flushSoon().catch((err: unknown) => this.log.error(`writing to the store failed: ${String(err)}`));
      },
    );
    if (this.store) this.restore(this.store);
    for (const name of new Set(['default', ...opts.namespaces]))
      if (!this.namespaces.has(name)) this.registerNamespace(name);
    // Namespaces and search attributes given on the command line are added to stored ones.
    for (const ns of this.namespaces.values())
      for (const [name, type] of Object.entries(opts.searchAttributes))
        if (ns.registry.typeOf(name) === undefined) ns.registry.add(name, type);
    this.flush();
  }

  registerNamespace(name: string): Namespace {
    if (this.namespaces.has(name)) throw new ApiError(status.ALREADY_EXISTS, `Namespace ${name} already exists.`);
    const ns = new Namespace(name, this.defaultSearchAttributes);
    this.namespaces.set(name, ns);
    return ns;
  }

  // ---- persistence --------------------------------------------------------------------------------

  get persistent(): boolean {
    return this.store !== undefined;
  }

  /**
   * Group commit: resolves once a flush that includes every change made so far is on disk. Calls answered in the
   * same turn of the event loop share one transaction (and one fsync) instead of paying one each.
   */
  flushSoon(): Promise<void> {
    if (!this.store || this.stopped) return Promise.resolve();
    this.pendingFlush ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.pendingFlush = undefined;
        try {
          this.flush();
          resolve();
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    return this.pendingFlush;
  }

  markDirty(exec: Execution): void {
    if (this.store) this.dirty.add(exec);
  }

  /**
   * Writes every change since the last flush in one transaction. Called after each gRPC call's handler (before
   * its answer is sent) and after timers fire, so nothing is acknowledged that is not on disk.
   */
  flush(): void {
    const store = this.store;
    if (!store || this.stopped) return;
    const namespaces = this.namespaceRecords();
    const namespacesJson = JSON.stringify(namespaces);
    const offset = Math.round(this.clock.offset);
    const schedules = this.schedules.takeWrites();
    if (
      this.dirty.size === 0 &&
      !schedules &&
      namespacesJson === this.storedNamespaces &&
      offset === this.storedClockOffset
    )
      return;
    const runs: RunWrite[] = [];
    for (const exec of this.dirty) {
      const stored = this.storedEventCount.get(exec);
      runs.push({
        start: exec.start,
        state: exec.snapshot(),
        newEvents: exec.history.events.slice(stored ?? 0),
        isNew: stored === undefined,
      });
    }
    store.write(
      runs,
      namespacesJson === this.storedNamespaces ? undefined : namespaces,
      { clock_offset_ms: `${offset}` },
      schedules,
    );
    for (const exec of this.dirty) this.storedEventCount.set(exec, exec.history.events.length);
    this.dirty.clear();
    this.storedNamespaces = namespacesJson;
    this.storedClockOffset = offset;
  }

  private namespaceRecords(): StoredNamespace[] {
    return [...this.namespaces.values()].map((ns) => ({
      name: ns.name,
      id: ns.id,
      searchAttributes: ns.registry.types(),
    }));
  }

  /** Loads namespaces and runs from the store and rebuilds their run state (timers, tasks on their queues). */
  private restore(store: SqliteStore): void {
    this.clock.offset = Number(store.getMeta('clock_offset_ms') ?? 0);
    this.storedClockOffset = this.clock.offset;
    for (const stored of store.loadNamespaces()) {
      const ns = new Namespace(stored.name, stored.searchAttributes, stored.id);
      this.namespaces.set(ns.name, ns);
    }
    this.storedNamespaces = JSON.stringify(this.namespaceRecords());
    const runs = store.loadRuns();
    for (const run of runs) {
      const exec = Execution.restore(this, run.start, run.state, run.events);
      const ns = this.namespace(run.start.namespace);
      const list = ns.runsByWorkflowId.get(exec.workflowId) ?? [];
      list.push(exec);
      ns.runsByWorkflowId.set(exec.workflowId, list);
      ns.runsByRunId.set(exec.runId, exec);
      if (exec.isRunning) this.running.add(exec);
      this.storedEventCount.set(exec, exec.history.events.length);
    }
    // Restoring re-queues tasks and re-arms timers without changing what is stored.
    this.dirty.clear();
    this.schedules.restore(store.loadSchedules());
    if (runs.length > 0)
      this.log.info(`restored ${runs.length} runs (${this.running.size} running) from ${store.filename}`);
  }

  namespace(name: string | undefined): Namespace {
    const ns = this.namespaces.get(name || 'default');
    if (!ns) throw namespaceNotFound(name ?? '');
    return ns;
  }

  namespaceById(id: string): Namespace {
    for (const ns of this.namespaces.values()) if (ns.id === id) return ns;
    throw namespaceNotFound(id);
  }

  listNamespaces(): Namespace[] {
    return [...this.namespaces.values()];
  }

  // ---- ExecutionHost ----------------------------------------------------------------------------

  workflowQueue(namespace: string, name: string): TaskQueue<WorkflowTaskResponse> {
    return this.queue('workflow', namespace, name);
  }

  activityQueue(namespace: string, name: string): TaskQueue<ActivityTaskResponse> {
    return this.queue('activity', namespace, name);
  }

  private queue(kind: string, namespace: string, name: string): TaskQueue<Message> {
    const key = `${kind}\u0000${namespace}\u0000${name}`;
    let q = this.queues.get(key);
    if (!q) {
      q = new TaskQueue(name);
      this.queues.set(key, q);
    }
    return q;
  }

  registry(namespace: string): SearchAttributeRegistry {
    return this.namespace(namespace).registry;
  }

  changed(): void {
    this.clock.poke();
  }

  dispatchLegacyQuery(exec: Execution, query: PendingQuery): void {
    this.queries.dispatchLegacy(exec, query);
  }

  isIdle(): boolean {
    if (this.queries.hasOutstanding() || this.schedules.hasPendingWork()) return false;
    for (const exec of this.running) if (exec.isBusy()) return false;
    return true;
  }

  onRunClosed(exec: Execution, continuation?: Continuation): void {
    this.running.delete(exec);
    if (continuation) this.createRun({ ...continuation.start, runId: continuation.newRunId });
    else {
      this.notifyParent(exec);
      this.schedules.onChainClosed(exec);
    }
    this.applyParentClosePolicies(exec);
  }

  // ---- lookups ----------------------------------------------------------------------------------

  /** The run named by (workflowId, runId), or the current run when runId is empty. */
  find(namespace: string | undefined, workflowId: string | undefined, runId?: string | null): Execution {
    const ns = this.namespace(namespace);
    if (!workflowId) throw new ApiError(status.INVALID_ARGUMENT, 'WorkflowId is not set on request.');
    const exec = runId ? ns.runsByRunId.get(runId) : ns.current(workflowId);
    if (!exec || exec.workflowId !== workflowId) throw workflowNotFound(workflowId, runId ?? undefined);
    return exec;
  }

  findRunning(namespace: string | undefined, workflowId: string | undefined, runId?: string | null): Execution {
    const exec = this.find(namespace, workflowId, runId);
    if (!exec.isRunning) throw notFound('workflow execution already completed');
    return exec;
  }

  // ---- starting ---------------------------------------------------------------------------------

  start(namespace: string, p: StartParams): { exec: Execution; started: boolean } {
    const ns = this.namespace(namespace);
    const runs = ns.runsByWorkflowId.get(p.workflowId) ?? [];
    if (p.requestId) {
      const same = runs.find((r) => r.requestIds.has(p.requestId!));
      if (same) return { exec: same, started: true };
    }
    const current = runs[runs.length - 1];
    const P = enums.WorkflowIdReusePolicy;
    const CP = enums.WorkflowIdConflictPolicy;
    if (current?.isRunning) {
      const conflict =
        p.conflictPolicy ||
        (p.signal ? CP.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING : CP.WORKFLOW_ID_CONFLICT_POLICY_FAIL);
      if (conflict === CP.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
        if (p.signal) this.signal(current, p.signal.name, p.signal.input, p.signal.header, p.identity);
        return { exec: current, started: false };
      }
      if (
        conflict === CP.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING ||
        p.reusePolicy === P.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
      ) {
        this.terminate(current, 'terminated by the WorkflowIdConflictPolicy of a new start', undefined, p.identity);
      } else {
        throw alreadyStarted(p.workflowId, current.start.requestId ?? '', current.runId);
      }
    } else if (current) {
      const reuse = p.reusePolicy || P.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
      const rejected =
        reuse === P.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
        (reuse === P.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY &&
          !CLOSED_REUSABLE_AFTER_FAILURE.has(current.status));
      if (rejected) throw alreadyStarted(p.workflowId, current.start.requestId ?? '', current.runId);
    }
    const runId = randomUUID();
    const now = this.clock.now();
    const extra: EventDraft[] = p.signal
      ? [
          {
            type: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
            attributes: {
              signalName: p.signal.name,
              input: p.signal.input,
              header: p.signal.header,
              identity: p.identity,
            },
          },
        ]
      : [];
    const exec = this.createRun(
      {
        namespace: ns.name,
        workflowId: p.workflowId,
        runId,
        firstRunId: runId,
        workflowType: p.workflowType,
        taskQueue: p.taskQueue,
        input: p.input,
        header: p.header,
        memo: p.memo,
        searchAttributes: p.searchAttributes,
        runTimeoutMs: p.runTimeoutMs || p.executionTimeoutMs,
        executionTimeoutMs: p.executionTimeoutMs,
        expirationTime: p.executionTimeoutMs > 0 ? now + p.executionTimeoutMs : undefined,
        workflowTaskTimeoutMs: Math.min(p.workflowTaskTimeoutMs || DEFAULT_WFT_TIMEOUT_MS, MAX_WFT_TIMEOUT_MS),
        retryPolicy: p.retryPolicy,
        attempt: 1,
        identity: p.identity,
        requestId: p.requestId,
        parent: p.parent,
        root: p.root,
        firstWorkflowTaskBackoffMs: p.startDelayMs,
        lastCompletionResult: p.lastCompletionResult,
        continuedFailure: p.continuedFailure,
        cronSchedule: p.cronSchedule,
        userMetadata: p.userMetadata,
        priority: p.priority,
      },
      extra,
    );
    return { exec, started: true };
  }

  private createRun(start: RunStart, extraEvents: EventDraft[] = []): Execution {
    const ns = this.namespace(start.namespace);
    const exec = new Execution(this, start);
    const runs = ns.runsByWorkflowId.get(start.workflowId) ?? [];
    runs.push(exec);
    ns.runsByWorkflowId.set(start.workflowId, runs);
    ns.runsByRunId.set(start.runId, exec);
    this.running.add(exec);
    exec.begin(extraEvents);
    return exec;
  }

  // ---- run-level operations -----------------------------------------------------------------------

  signal(
    exec: Execution,
    signalName: string,
    input: Payloads | undefined,
    header: Message | undefined,
    identity: string | undefined,
    external?: { namespace: string; workflowId: string; runId: string; initiatedEventId: number },
  ): void {
    exec.record({
      type: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      attributes: {
        signalName,
        input,
        header,
        identity,
        externalWorkflowExecution: external ? { workflowId: external.workflowId, runId: external.runId } : undefined,
      },
    });
  }

  requestCancel(
    exec: Execution,
    reason: string | undefined,
    identity: string | undefined,
    external?: { workflowId: string; runId: string; initiatedEventId: number },
  ): void {
    if (exec.cancelRequested) return;
    exec.cancelRequested = true;
    exec.record({
      type: E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
      attributes: {
        cause: reason,
        identity,
        externalInitiatedEventId: external?.initiatedEventId,
        externalWorkflowExecution: external ? { workflowId: external.workflowId, runId: external.runId } : undefined,
      },
    });
  }

  terminate(
    exec: Execution,
    reason: string | undefined,
    details: Payloads | undefined,
    identity: string | undefined,
  ): void {
    exec.forceClose(
      { type: E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, attributes: { reason, details, identity } },
      'Terminated',
    );
  }

  /** ShutdownWorker: stop routing to the sticky queue; its waiting tasks go to their normal queues. */
  stickyQueueGone(namespace: string, stickyQueue: string): void {
    const queue = this.workflowQueue(namespace, stickyQueue);
    const tasks = queue.drain();
    queue.releasePollers();
    for (const exec of this.running) if (exec.namespace === namespace) exec.tasks.stickyWorkerGone(stickyQueue);
    for (const task of tasks) task.onQueueGone?.();
  }

  stop(): void {
    this.clock.stop();
    for (const q of this.queues.values()) q.releasePollers();
    this.flush();
    this.stopped = true;
    this.store?.close();
  }

  // ---- CrossRunEffects ------------------------------------------------------------------------------

  startChild(parent: Execution, initiatedEventId: number, a: StartChildAttributes, userMetadata?: Message): void {
    const record = parent.children.get(initiatedEventId);
    if (!parent.isRunning || !record) return;
    const fail = (cause: number) => {
      parent.children.delete(initiatedEventId);
      parent.record({
        type: E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
        attributes: {
          namespace: a.namespace,
          workflowId: a.workflowId,
          workflowType: a.workflowType,
          cause,
          control: a.control,
          initiatedEventId,
        },
      });
    };
    if (!this.namespaces.has(a.namespace!)) {
      fail(
        enums.StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND,
      );
      return;
    }
    try {
      const { exec: child } = this.start(a.namespace!, {
        workflowId: a.workflowId!,
        workflowType: a.workflowType!.name!,
        taskQueue: a.taskQueue?.name || parent.taskQueue,
        input: a.input,
        header: a.header,
        memo: a.memo?.fields ?? {},
        searchAttributes: a.searchAttributes?.indexedFields
          ? decodeSearchAttributes(a.searchAttributes.indexedFields, this.registry(a.namespace!))
          : {},
        runTimeoutMs: msFromDuration(a.workflowRunTimeout),
        executionTimeoutMs: msFromDuration(a.workflowExecutionTimeout),
        workflowTaskTimeoutMs: msFromDuration(a.workflowTaskTimeout),
        retryPolicy: a.retryPolicy,
        requestId: `${parent.runId}:${initiatedEventId}`,
        reusePolicy: a.workflowIdReusePolicy,
        conflictPolicy: enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
        startDelayMs: 0,
        userMetadata,
        priority: a.priority,
        parent: { namespace: parent.namespace, workflowId: parent.workflowId, runId: parent.runId, initiatedEventId },
        root: parent.start.root ?? { workflowId: parent.workflowId, runId: parent.runId },
      });
      record.runId = child.runId;
      parent.record({
        type: E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
        attributes: {
          namespace: a.namespace,
          initiatedEventId,
          workflowExecution: { workflowId: child.workflowId, runId: child.runId },
          workflowType: a.workflowType,
          header: a.header,
        },
        onAppended: (event) => (record.startedEventId = event.eventId),
      });
    } catch (err) {
      if (err instanceof ApiError && err.code === status.ALREADY_EXISTS) {
        fail(
          enums.StartChildWorkflowExecutionFailedCause
            .START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
        );
        return;
      }
      throw err;
    }
  }

  signalExternal(source: Execution, initiatedEventId: number, a: SignalExternalAttributes): void {
    const target = this.lookupExternal(
      a.namespace!,
      a.execution?.workflowId,
      a.execution?.runId,
      a.childWorkflowOnly ? source : undefined,
    );
    const workflowExecution = { workflowId: a.execution?.workflowId, runId: a.execution?.runId };
    if (!target) {
      source.record({
        type: E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
        attributes: {
          cause:
            enums.SignalExternalWorkflowExecutionFailedCause
              .SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
          namespace: a.namespace,
          workflowExecution,
          initiatedEventId,
          control: a.control,
        },
      });
      return;
    }
    this.signal(target, a.signalName!, a.input, a.header, undefined, {
      namespace: source.namespace,
      workflowId: source.workflowId,
      runId: source.runId,
      initiatedEventId,
    });
    source.record({
      type: E.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
      attributes: { initiatedEventId, namespace: a.namespace, workflowExecution, control: a.control },
    });
  }

  cancelExternal(source: Execution, initiatedEventId: number, a: CancelExternalAttributes): void {
    const target = this.lookupExternal(a.namespace!, a.workflowId, a.runId, a.childWorkflowOnly ? source : undefined);
    const workflowExecution = { workflowId: a.workflowId, runId: a.runId };
    if (!target) {
      source.record({
        type: E.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
        attributes: {
          cause:
            enums.CancelExternalWorkflowExecutionFailedCause
              .CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
          namespace: a.namespace,
          workflowExecution,
          initiatedEventId,
          control: a.control,
        },
      });
      return;
    }
    this.requestCancel(target, a.reason, undefined, {
      workflowId: source.workflowId,
      runId: source.runId,
      initiatedEventId,
    });
    source.record({
      type: E.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
      attributes: { initiatedEventId, namespace: a.namespace, workflowExecution },
    });
  }

  private lookupExternal(
    namespace: string,
    workflowId: string | undefined,
    runId: string | undefined,
    childOf?: Execution,
  ): Execution | undefined {
    const ns = this.namespaces.get(namespace);
    if (!ns || !workflowId) return undefined;
    const exec = runId ? ns.runsByRunId.get(runId) : ns.current(workflowId);
    if (!exec || exec.workflowId !== workflowId || !exec.isRunning) return undefined;
    if (childOf && exec.start.parent?.workflowId !== childOf.workflowId) return undefined;
    return exec;
  }

  private notifyParent(child: Execution): void {
    const ref = child.start.parent;
    if (!ref) return;
    const parent = this.namespaces.get(ref.namespace)?.runsByRunId.get(ref.runId);
    const record = parent?.children.get(ref.initiatedEventId);
    if (!parent?.isRunning || !record) return;
    parent.children.delete(ref.initiatedEventId);
    const close = child.closeEvent!;
    const common = () => ({
      namespace: child.namespace,
      workflowExecution: { workflowId: child.workflowId, runId: child.runId },
      workflowType: { name: child.workflowType },
      initiatedEventId: ref.initiatedEventId,
      startedEventId: record.startedEventId,
    });
    const draft = childCloseDraft(child.status, close as unknown as Record<string, Message | undefined>, common);
    if (draft) parent.record(draft);
  }

  private applyParentClosePolicies(parent: Execution): void {
    const PCP = enums.ParentClosePolicy;
    for (const record of parent.children.values()) {
      if (record.parentClosePolicy === PCP.PARENT_CLOSE_POLICY_ABANDON) continue;
      const child = this.lookupExternal(record.namespace, record.workflowId, undefined);
      if (!child || child.start.parent?.workflowId !== parent.workflowId) continue;
      if (record.parentClosePolicy === PCP.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
        this.requestCancel(child, 'by parent close policy', undefined);
      else this.terminate(child, 'by parent close policy', undefined, undefined);
    }
    parent.children.clear();
  }
}

function childCloseDraft(
  status: ExecutionStatusName,
  close: Record<string, Message | undefined>,
  common: () => Message,
): EventDraft | undefined {
  switch (status) {
    case 'Completed':
      return {
        type: E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
        attributes: () => ({ ...common(), result: close.workflowExecutionCompletedEventAttributes?.result }),
      };
    case 'Failed':
      return {
        type: E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
        attributes: () => ({
          ...common(),
          failure: close.workflowExecutionFailedEventAttributes?.failure,
          retryState: close.workflowExecutionFailedEventAttributes?.retryState,
        }),
      };
    case 'Canceled':
      return {
        type: E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
        attributes: () => ({ ...common(), details: close.workflowExecutionCanceledEventAttributes?.details }),
      };
    case 'TimedOut':
      return {
        type: E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
        attributes: () => ({ ...common(), retryState: close.workflowExecutionTimedOutEventAttributes?.retryState }),
      };
    case 'Terminated':
      return { type: E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED, attributes: common };
    case 'ContinuedAsNew': // the chain goes on: the parent hears from its last run
    case 'Running':
      return undefined;
  }
}
