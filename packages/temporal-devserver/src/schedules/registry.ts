// All schedules of the server: the host their state machines run on (the engine's clock, starts, cancels), the
// link from a closed workflow back to the schedule that started it, and what the store must write.
import { statusCode } from '../describe';
import type { Engine } from '../engine';
import type { Execution } from '../execution';
import type { StoredSchedule } from '../persistence/store';
import type { Message, Payloads } from '../proto';
import { startParams } from '../start-request';
import { Scheduler, type NewWorkflowMessage, type ScheduleState, type SchedulerHost } from './scheduler';

const key = (namespace: string, scheduleId: string) => `${namespace}\u0000${scheduleId}`;

export class Schedules implements SchedulerHost {
  private readonly byKey = new Map<string, Scheduler>();
  private readonly dirty = new Set<Scheduler>();
  private readonly deleted = new Map<string, { namespace: string; scheduleId: string }>();
  /** Wake-ups queued after a workflow closed (the schedule starts its next buffered action then). */
  private pendingWakeups = 0;

  constructor(private readonly engine: Engine) {}

  // ---- SchedulerHost ---------------------------------------------------------------------------------

  now(): number {
    return this.engine.clock.now();
  }

  at(ms: number, fire: () => void) {
    return this.engine.clock.at(ms, fire);
  }

  startWorkflow(
    s: ScheduleState,
    req: NewWorkflowMessage & { identity: string; requestId: string },
    extra: { lastCompletionResult?: Payloads; continuedFailure?: Message },
  ): string {
    const params = startParams(this.engine, 'StartWorkflowExecution', { ...req, namespace: s.namespace });
    const { exec } = this.engine.start(s.namespace, { ...params, ...extra });
    return exec.runId;
  }

  cancelWorkflow(namespace: string, ref: { workflowId: string; runId: string }): void {
    const exec = this.engine.namespace(namespace).current(ref.workflowId);
    if (exec?.isRunning && exec.start.firstRunId === ref.runId)
      this.engine.requestCancel(exec, 'cancelled by schedule overlap policy', undefined);
  }

  terminateWorkflow(namespace: string, ref: { workflowId: string; runId: string }, reason: string): void {
    const exec = this.engine.namespace(namespace).current(ref.workflowId);
    if (exec?.isRunning && exec.start.firstRunId === ref.runId)
      this.engine.terminate(exec, reason, undefined, undefined);
  }

  chainStatus(namespace: string, ref: { workflowId: string; runId: string }) {
    const exec = this.engine.namespace(namespace).current(ref.workflowId);
    if (!exec || exec.start.firstRunId !== ref.runId) return undefined;
    return { status: statusCode(exec.status), ...closeOutcome(exec) };
  }

  changed(s: Scheduler): void {
    if (this.engine.persistent) this.dirty.add(s);
  }

  warn(message: string): void {
    this.engine.log.warn(message);
  }

  // ---- registry ------------------------------------------------------------------------------------

  get(namespace: string, scheduleId: string): Scheduler | undefined {
    return this.byKey.get(key(namespace, scheduleId));
  }

  create(state: ScheduleState): Scheduler {
    const s = new Scheduler(this, state);
    const k = key(state.namespace, state.scheduleId);
    this.byKey.set(k, s);
    this.deleted.delete(k);
    return s;
  }

  delete(s: Scheduler): void {
    s.delete();
    const k = key(s.state.namespace, s.state.scheduleId);
    this.byKey.delete(k);
    this.dirty.delete(s);
    if (this.engine.persistent) this.deleted.set(k, { namespace: s.state.namespace, scheduleId: s.state.scheduleId });
  }

  inNamespace(namespace: string): Scheduler[] {
    return [...this.byKey.values()].filter((s) => s.state.namespace === namespace);
  }

  /** A run closed without a successor: the schedule that started its chain hears of it, then wakes up. */
  onChainClosed(exec: Execution): void {
    for (const s of this.inNamespace(exec.namespace)) {
      const { result, failure } = closeOutcome(exec);
      const ref = { workflowId: exec.workflowId, runId: exec.start.firstRunId };
      if (!s.workflowClosed(ref, statusCode(exec.status), result, failure)) continue;
      this.changed(s);
      // Starting the next action inside the close of another run would nest one run's changes in another's.
      this.pendingWakeups++;
      setImmediate(() => {
        this.pendingWakeups--;
        if (this.get(s.state.namespace, s.state.scheduleId) === s) s.iterate();
        this.engine.flush();
        this.engine.changed();
      });
    }
  }

  hasPendingWork(): boolean {
    return this.pendingWakeups > 0;
  }

  // ---- persistence -----------------------------------------------------------------------------------

  takeWrites(): { put: StoredSchedule[]; deleted: { namespace: string; scheduleId: string }[] } | undefined {
    if (this.dirty.size === 0 && this.deleted.size === 0) return undefined;
    const put = [...this.dirty].map((s) => ({
      namespace: s.state.namespace,
      scheduleId: s.state.scheduleId,
      state: s.state,
    }));
    const deleted = [...this.deleted.values()];
    this.dirty.clear();
    this.deleted.clear();
    return { put, deleted };
  }

  /**
   * After runs are restored: rebuild each schedule, catch up on closed workflows and elapsed time. What that
   * changes (actions taken for times that fell due while the server was down) is written with the first flush.
   */
  restore(stored: StoredSchedule[]): void {
    for (const row of stored) {
      const s = this.create(row.state as ScheduleState);
      s.refreshRunning();
    }
    for (const s of this.byKey.values()) s.iterate();
  }
}

function closeOutcome(exec: Execution): { result?: Payloads; failure?: Message } {
  const close = exec.closeEvent as Record<string, { result?: Payloads; failure?: Message } | undefined> | undefined;
  if (!close) return {};
  if (exec.status === 'Completed') {
    const result = close['workflowExecutionCompletedEventAttributes']?.result;
    return result ? { result } : {};
  }
  if (exec.status === 'Failed') {
    const failure = close['workflowExecutionFailedEventAttributes']?.failure;
    return failure ? { failure } : {};
  }
  return {};
}
