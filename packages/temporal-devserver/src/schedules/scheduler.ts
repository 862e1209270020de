// One schedule's state machine, following temporalio/temporal `service/worker/scheduler/workflow.go`: each wake-up
// processes the time since the last one (catch-up window, pause, remaining actions), takes backfills, and starts
// buffered actions under the overlap policy. Its next action is a timer on the server's clock, so time skipping
// jumps to it like to any workflow timer.
import type { temporal } from '@temporalio/proto';
import type { ClockTimer } from '../clock';
import {
  durationFromMs,
  enums,
  jsonPayload,
  msFromDuration,
  msFromTimestamp,
  timestampFromMs,
  type Decoded,
  type Message,
  type Payload,
  type Payloads,
  type Timestamp,
} from '../proto';
import { processBuffer, type BufferedStart } from './buffer';
import { SpecError } from './calendar';
import { cleanSpec, CompiledSpec } from './spec';

const OP = enums.ScheduleOverlapPolicy;
const STATUS = enums.WorkflowExecutionStatus;

const DEFAULT_CATCHUP_WINDOW_MS = 365 * 24 * 3600 * 1000;
const MIN_CATCHUP_WINDOW_MS = 10_000;
const RECENT_ACTIONS = 10;
const FUTURE_ACTIONS = 10;
const LIST_RECENT_ACTIONS = 5;
const LIST_FUTURE_ACTIONS = 5;
const MAX_BUFFER = 1000;
const BACKFILLS_PER_ITERATION = 10;
const MAX_MATCHING_TIMES = 1000;

export type NewWorkflowMessage = Decoded<temporal.api.workflow.v1.INewWorkflowExecutionInfo>;

export type ScheduleMessage = Decoded<temporal.api.schedule.v1.ISchedule>;
export type PatchMessage = Decoded<temporal.api.schedule.v1.ISchedulePatch>;

interface WorkflowRef {
  workflowId: string;
  runId: string;
}

interface ActionResult {
  scheduleTimeMs: number;
  actualTimeMs: number;
  workflow: WorkflowRef;
  status: temporal.api.enums.v1.WorkflowExecutionStatus;
}

interface Backfill {
  startMs: number;
  endMs: number;
  overlapPolicy: temporal.api.enums.v1.ScheduleOverlapPolicy;
}

/** Everything a schedule keeps; written to the store as one document. */
export interface ScheduleState {
  namespace: string;
  namespaceId: string;
  scheduleId: string;
  createRequestId?: string | undefined;
  schedule: ScheduleMessage;
  memo?: Record<string, Payload> | undefined;
  searchAttributes?: Record<string, Payload> | undefined;
  createTimeMs: number;
  updateTimeMs?: number | undefined;
  lastProcessedMs: number;
  conflictToken: number;
  actionCount: number;
  missedCatchupWindow: number;
  overlapSkipped: number;
  bufferDropped: number;
  running: WorkflowRef[];
  recent: ActionResult[];
  buffer: BufferedStart[];
  backfills: Backfill[];
  lastCompletionResult?: Payloads | undefined;
  continuedFailure?: Message | undefined;
}

/** What a schedule needs from the server: its clock, starting and stopping workflows, being saved. */
export interface SchedulerHost {
  now(): number;
  at(ms: number, fire: () => void): ClockTimer;
  /** Starts a workflow; returns its run id or throws (e.g. already started). */
  startWorkflow(
    s: ScheduleState,
    req: NewWorkflowMessage & { identity: string; requestId: string },
    extra: {
      lastCompletionResult?: Payloads | undefined;
      continuedFailure?: Message | undefined;
    },
  ): string;
  cancelWorkflow(namespace: string, ref: WorkflowRef): void;
  terminateWorkflow(namespace: string, ref: WorkflowRef, reason: string): void;
  /** Status of the chain the schedule started (latest run of the id, if it belongs to that chain). */
  chainStatus(
    namespace: string,
    ref: WorkflowRef,
  ): { status: temporal.api.enums.v1.WorkflowExecutionStatus; result?: Payloads; failure?: Message } | undefined;
  changed(s: Scheduler): void;
  warn(message: string): void;
}

export class Scheduler {
  private cspec: CompiledSpec | undefined;
  private invalidScheduleError = '';
  private timer: ClockTimer | undefined;
  private timerAt: number | undefined;
  private deleted = false;

  constructor(
    private readonly host: SchedulerHost,
    readonly state: ScheduleState,
  ) {
    this.ensureFields();
    this.compile();
  }

  get id(): string {
    return this.state.scheduleId;
  }

  /** The schedule with every part present (ensureFields fills them in). */
  private get schedule(): { [K in keyof ScheduleMessage]-?: NonNullable<ScheduleMessage[K]> } {
    return this.state.schedule as { [K in keyof ScheduleMessage]-?: NonNullable<ScheduleMessage[K]> };
  }

  private ensureFields(): void {
    const s = this.state.schedule;
    s.spec ??= {};
    s.action ??= {};
    s.policies ??= {};
    s.state ??= {};
    s.policies.overlapPolicy = this.resolveOverlap(s.policies.overlapPolicy ?? 0);
    s.policies.catchupWindow = durationFromMs(this.catchupWindowMs());
  }

  private compile(): void {
    try {
      this.cspec = new CompiledSpec(this.schedule.spec);
      this.invalidScheduleError = '';
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      this.cspec = undefined;
      this.invalidScheduleError = err.message;
    }
  }

  private jitterSeed(): string {
    return `${this.state.namespaceId}-${this.state.scheduleId}`;
  }

  private catchupWindowMs(): number {
    const cw = this.state.schedule.policies?.catchupWindow;
    if (!cw) return DEFAULT_CATCHUP_WINDOW_MS;
    return Math.max(msFromDuration(cw), MIN_CATCHUP_WINDOW_MS);
  }

  private resolveOverlap(
    policy: temporal.api.enums.v1.ScheduleOverlapPolicy,
  ): temporal.api.enums.v1.ScheduleOverlapPolicy {
    return policy || this.state.schedule.policies?.overlapPolicy || OP.SCHEDULE_OVERLAP_POLICY_SKIP;
  }

  private canTakeScheduledAction(manual: boolean, decrement: boolean): boolean {
    if (manual) return true;
    const st = this.schedule.state;
    if (st.paused) return false;
    if (!st.limitedActions) return true;
    if ((st.remainingActions ?? 0) > 0) {
      if (decrement) {
        st.remainingActions = (st.remainingActions ?? 0) - 1;
        this.state.conflictToken++;
      }
      return true;
    }
    return false;
  }

  // ---- the loop ------------------------------------------------------------------------------------

  /**
   * One iteration of Temporal's scheduler loop: the elapsed time range, then a signal (patch or update) if one
   * came in, then backfills and the buffer, then the timer for the next wake-up.
   */
  iterate(signal?: () => void): void {
    if (this.deleted) return;
    const t1 = this.state.lastProcessedMs;
    const t2 = Math.max(this.host.now(), t1);
    const elapsed = this.processTimeRange(t1, t2, 0, false);
    this.state.lastProcessedMs = elapsed.last;
    let next = elapsed.next;
    if (signal) {
      signal();
      next = this.processTimeRange(this.state.lastProcessedMs, t2, 0, false).next;
    }
    this.processBackfills();
    while (this.processBuffer()) {
      /* drain */
    }
    this.arm(next);
    this.host.changed(this);
  }

  private arm(nextWakeup: number | undefined): void {
    let at = nextWakeup;
    if (
      this.state.backfills.length > 0 &&
      this.resolveOverlap(this.state.backfills[0]!.overlapPolicy) === OP.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL
    )
      at = this.host.now() + 1000;
    else if (!this.canTakeScheduledAction(false, false)) at = undefined;
    if (at === this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = at;
    if (at !== undefined)
      this.timer = this.host.at(at, () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.iterate();
      });
  }

  private processTimeRange(
    start: number,
    end: number,
    overlapPolicy: number,
    manual: boolean,
    limit?: { n: number },
  ): { next: number | undefined; last: number } {
    const cspec = this.cspec;
    if (!cspec) return { next: undefined, last: end };
    if (!this.canTakeScheduledAction(manual, false))
      return { next: cspec.nextTime(this.jitterSeed(), end)?.next, last: end };
    let last = start;
    let n = cspec.nextTime(this.jitterSeed(), start);
    for (; n && n.next <= end; n = cspec.nextTime(this.jitterSeed(), n.next)) {
      if (!manual && (this.state.updateTimeMs ?? 0) > n.next) continue;
      if (!manual && end - n.next > this.catchupWindowMs()) {
        this.state.missedCatchupWindow++;
        last = n.next;
        continue;
      }
      this.addStart(n.nominal, n.next, overlapPolicy, manual);
      last = n.next;
      if (limit && --limit.n <= 0) break;
    }
    return { next: n?.next, last };
  }

  private addStart(nominalMs: number, actualMs: number, overlapPolicy: number, manual: boolean): void {
    if (this.state.buffer.length >= MAX_BUFFER) {
      this.host.warn(`schedule ${this.id}: buffer full, dropping the start at ${new Date(nominalMs).toISOString()}`);
      this.state.bufferDropped++;
      return;
    }
    this.state.buffer.push({ nominalMs, actualMs, overlapPolicy, manual });
  }

  private processBackfills(): void {
    const limit = { n: BACKFILLS_PER_ITERATION };
    while (this.state.backfills.length > 0 && limit.n > 0 && this.state.buffer.length < MAX_BUFFER / 2) {
      const bf = this.state.backfills[0]!;
      const { next } = this.processTimeRange(bf.startMs, bf.endMs, bf.overlapPolicy, true, limit);
      if (next === undefined || next > bf.endMs) this.state.backfills.shift();
      else bf.startMs = next;
    }
  }

  private processBuffer(): boolean {
    const req = this.schedule.action.startWorkflow;
    if (!req || this.state.buffer.length === 0) {
      this.state.buffer = [];
      return false;
    }
    const decision = processBuffer(this.state.buffer, this.state.running.length > 0, (p) => this.resolveOverlap(p));
    this.state.buffer = decision.newBuffer;
    this.state.overlapSkipped += decision.overlapSkipped;
    let tryAgain = false;
    const starts = [...decision.overlapping, ...(decision.nonOverlapping ? [decision.nonOverlapping] : [])];
    for (const start of starts) {
      if (!this.canTakeScheduledAction(start.manual, true)) {
        tryAgain = true;
        continue;
      }
      try {
        this.startWorkflow(start, req, start === decision.nonOverlapping);
      } catch (err) {
        this.host.warn(`schedule ${this.id}: failed to start workflow: ${(err as Error).message}`);
        tryAgain = true;
      }
    }
    if (decision.needTerminate)
      for (const ref of [...this.state.running])
        this.host.terminateWorkflow(this.state.namespace, ref, 'terminated by schedule overlap policy');
    else if (decision.needCancel)
      for (const ref of [...this.state.running]) this.host.cancelWorkflow(this.state.namespace, ref);
    return tryAgain;
  }

  private startWorkflow(start: BufferedStart, req: NewWorkflowMessage, nonOverlapping: boolean): void {
    const nominalSec = Math.floor(start.nominalMs / 1000) * 1000;
    const workflowId = `${req.workflowId ?? ''}-${rfc3339(nominalSec)}`;
    const allowAll = this.resolveOverlap(start.overlapPolicy) === OP.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL;
    const P = enums.WorkflowIdReusePolicy;
    const indexedFields: Record<string, Payload> = {
      ...(req.searchAttributes?.indexedFields ?? {}),
      TemporalScheduledStartTime: jsonPayload(rfc3339(nominalSec)),
      TemporalScheduledById: jsonPayload(this.state.scheduleId),
    };
    const runId = this.host.startWorkflow(
      this.state,
      {
        ...req,
        workflowId,
        searchAttributes: { indexedFields },
        workflowIdReusePolicy: start.manual
          ? P.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
          : P.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
        identity: `temporal-scheduler-${this.state.namespace}-${this.state.scheduleId}`,
        requestId: `${this.state.namespaceId}-${this.state.scheduleId}-${start.nominalMs}-${start.actualMs}-${this.state.actionCount}`,
      },
      allowAll
        ? {}
        : { lastCompletionResult: this.state.lastCompletionResult, continuedFailure: this.state.continuedFailure },
    );
    const result: ActionResult = {
      scheduleTimeMs: start.actualMs,
      actualTimeMs: this.host.now(),
      workflow: { workflowId, runId },
      status: STATUS.WORKFLOW_EXECUTION_STATUS_RUNNING,
    };
    this.state.actionCount++;
    this.state.recent = [...this.state.recent, result].slice(-RECENT_ACTIONS);
    if (nonOverlapping) this.state.running.push(result.workflow);
  }

  /** A workflow the schedule started (its chain) has closed: Temporal's watcher result. */
  workflowClosed(
    ref: WorkflowRef,
    status: temporal.api.enums.v1.WorkflowExecutionStatus,
    result?: Payloads,
    failure?: Message,
  ): boolean {
    const i = this.state.running.findIndex((r) => r.workflowId === ref.workflowId && r.runId === ref.runId);
    if (i < 0) return false;
    this.state.running.splice(i, 1);
    const recent = this.state.recent.find((a) => a.workflow.workflowId === ref.workflowId);
    if (recent) recent.status = status;
    const failed =
      status === STATUS.WORKFLOW_EXECUTION_STATUS_FAILED || status === STATUS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
    const st = this.schedule.state;
    if (this.schedule.policies.pauseOnFailure && failed && !st.paused) {
      st.paused = true;
      st.notes =
        status === STATUS.WORKFLOW_EXECUTION_STATUS_FAILED
          ? `paused due to workflow failure: ${ref.workflowId}: ${String((failure as { message?: string } | undefined)?.message ?? '')}`
          : `paused due to workflow timeout: ${ref.workflowId}`;
      this.state.conflictToken++;
    }
    if (result) {
      this.state.lastCompletionResult = result;
      this.state.continuedFailure = undefined;
    } else if (failure) {
      this.state.continuedFailure = failure;
    }
    return true;
  }

  /** After a restart: workflows that closed while the server was down are treated as closed now. */
  refreshRunning(): void {
    for (const ref of [...this.state.running]) {
      const chain = this.host.chainStatus(this.state.namespace, ref);
      if (!chain) this.workflowClosed(ref, STATUS.WORKFLOW_EXECUTION_STATUS_TERMINATED);
      else if (chain.status !== STATUS.WORKFLOW_EXECUTION_STATUS_RUNNING)
        this.workflowClosed(ref, chain.status, chain.result, chain.failure);
    }
  }

  // ---- signals -------------------------------------------------------------------------------------

  patch(p: PatchMessage): void {
    this.iterate(() => {
      const trigger = p.triggerImmediately;
      if (trigger) {
        const at = msFromTimestamp(trigger.scheduledTime) || this.host.now();
        this.addStart(at, at, trigger.overlapPolicy ?? 0, true);
      }
      for (const bf of p.backfillRequest ?? []) {
        if (this.state.backfills.length >= MAX_BUFFER) {
          this.state.bufferDropped++;
          continue;
        }
        // Backfills include their start time.
        this.state.backfills.push({
          startMs: (msFromTimestamp(bf.startTime) ?? 0) - 1,
          endMs: msFromTimestamp(bf.endTime) ?? 0,
          overlapPolicy: bf.overlapPolicy ?? 0,
        });
      }
      const st = this.schedule.state;
      if (p.pause) {
        st.paused = true;
        st.notes = p.pause;
        this.state.conflictToken++;
      }
      if (p.unpause) {
        st.paused = false;
        st.notes = p.unpause;
        this.state.conflictToken++;
      }
    });
  }

  update(schedule: ScheduleMessage, searchAttributes: Record<string, Payload> | undefined): void {
    this.iterate(() => {
      this.state.schedule = {
        spec: schedule.spec ?? {},
        action: schedule.action ?? {},
        policies: schedule.policies ?? {},
        state: schedule.state ?? {},
      };
      this.ensureFields();
      this.compile();
      if (searchAttributes) this.state.searchAttributes = searchAttributes;
      this.state.updateTimeMs = this.host.now();
      this.state.conflictToken++;
    });
  }

  delete(): void {
    this.deleted = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  // ---- reads ---------------------------------------------------------------------------------------

  get paused(): boolean {
    return this.schedule.state.paused === true;
  }

  private futureActionTimes(n: number): Timestamp[] {
    if (!this.cspec) return [];
    let count = n;
    const st = this.schedule.state;
    if (st.limitedActions) count = Math.min(st.remainingActions ?? 0, n);
    const out: Timestamp[] = [];
    let t: number | undefined = this.state.lastProcessedMs;
    while (out.length < count) {
      t = this.cspec.nextTime(this.jitterSeed(), t)?.next;
      if (t === undefined) break;
      if ((this.state.updateTimeMs ?? 0) > t) continue;
      out.push(timestampFromMs(t));
    }
    return out;
  }

  private recentActions(n: number): Message[] {
    return this.state.recent.slice(-n).map((a) => ({
      scheduleTime: timestampFromMs(a.scheduleTimeMs),
      actualTime: timestampFromMs(a.actualTimeMs),
      startWorkflowResult: a.workflow,
      startWorkflowStatus: a.status,
    }));
  }

  /** DescribeScheduleResponse. */
  describe(): Message {
    const s = this.schedule;
    return {
      schedule: { ...s, spec: cleanSpec(s.spec) },
      info: {
        actionCount: this.state.actionCount,
        missedCatchupWindow: this.state.missedCatchupWindow,
        overlapSkipped: this.state.overlapSkipped,
        bufferDropped: this.state.bufferDropped,
        bufferSize: this.state.buffer.length,
        runningWorkflows: this.state.running,
        recentActions: this.recentActions(RECENT_ACTIONS),
        futureActionTimes: this.futureActionTimes(FUTURE_ACTIONS),
        createTime: timestampFromMs(this.state.createTimeMs),
        ...(this.state.updateTimeMs !== undefined ? { updateTime: timestampFromMs(this.state.updateTimeMs) } : {}),
        ...(this.invalidScheduleError ? { invalidScheduleError: this.invalidScheduleError } : {}),
      },
      memo: { fields: this.state.memo ?? {} },
      searchAttributes: { indexedFields: this.state.searchAttributes ?? {} },
      conflictToken: conflictTokenBytes(this.state.conflictToken),
    };
  }

  /** ScheduleListEntry. */
  listEntry(): Message {
    const s = this.schedule;
    const { timezoneData: _omitted, ...spec } = cleanSpec(s.spec);
    return {
      scheduleId: this.state.scheduleId,
      memo: { fields: this.state.memo ?? {} },
      searchAttributes: { indexedFields: this.state.searchAttributes ?? {} },
      info: {
        spec,
        workflowType: s.action.startWorkflow?.workflowType,
        notes: s.state.notes,
        paused: s.state.paused === true,
        recentActions: this.recentActions(LIST_RECENT_ACTIONS),
        futureActionTimes: this.futureActionTimes(LIST_FUTURE_ACTIONS),
      },
    };
  }

  matchingTimes(startMs: number, endMs: number): Timestamp[] {
    if (!this.cspec) throw new SpecError(`invalid schedule: ${this.invalidScheduleError}`);
    const out: Timestamp[] = [];
    let t: number | undefined = startMs;
    for (let i = 0; i < MAX_MATCHING_TIMES; i++) {
      t = this.cspec.nextTime(this.jitterSeed(), t)?.next;
      if (t === undefined || t > endMs) break;
      out.push(timestampFromMs(t));
    }
    return out;
  }
}

/** Go's time.RFC3339 for a UTC time: no fraction, `Z`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function conflictTokenBytes(token: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(token));
  return b;
}
