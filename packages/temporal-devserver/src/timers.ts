// User timers of one run (StartTimer / CancelTimer commands).
import type { ClockTimer } from './clock';
import { CommandError } from './command-error';
import type { Execution } from './execution';
import { enums, msFromDuration, type Duration, type Message } from './proto';

const E = enums.EventType;

interface UserTimer {
  startedEventId: number;
  firesAt: number;
  handle: ClockTimer;
}

/** A running user timer as stored on disk. */
export interface TimerSnapshot {
  timerId: string;
  startedEventId: number;
  firesAt: number;
}

export class UserTimers {
  private readonly byId = new Map<string, UserTimer>();

  constructor(private readonly exec: Execution) {}

  start(
    attrs: { timerId?: string; startToFireTimeout?: Duration },
    completedEventId: number,
    userMetadata?: Message,
  ): void {
    const timerId = attrs.timerId!;
    const event = this.exec.append({
      type: E.EVENT_TYPE_TIMER_STARTED,
      userMetadata,
      attributes: {
        timerId,
        startToFireTimeout: attrs.startToFireTimeout,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    this.arm(timerId, event.eventId, this.exec.now() + msFromDuration(attrs.startToFireTimeout));
  }

  private arm(timerId: string, startedEventId: number, firesAt: number): void {
    const handle = this.exec.clock.at(firesAt, () => {
      if (this.byId.get(timerId)?.startedEventId !== startedEventId) return;
      this.byId.delete(timerId);
      this.exec.record({ type: E.EVENT_TYPE_TIMER_FIRED, attributes: { timerId, startedEventId } });
    });
    this.byId.set(timerId, { startedEventId, firesAt, handle });
  }

  snapshot(): TimerSnapshot[] {
    return [...this.byId].map(([timerId, t]) => ({ timerId, startedEventId: t.startedEventId, firesAt: t.firesAt }));
  }

  /** Re-arms the running timers after a restart; one due while the server was down fires at once. */
  restore(timers: TimerSnapshot[]): void {
    for (const t of timers) this.arm(t.timerId, t.startedEventId, t.firesAt);
  }

  /**
   * CancelTimer command. A timer that fired while the completing task was in flight has its TimerFired
   * event buffered: as Temporal's AddTimerCanceledEvent does, that event is dropped and TimerCanceled written.
   */
  cancel(attrs: { timerId?: string } | undefined, completedEventId: number, identity: string | undefined): void {
    const timerId = attrs?.timerId ?? '';
    const running = this.byId.get(timerId);
    const startedEventId = running?.startedEventId ?? this.exec.removeBufferedTimerFired(timerId)?.startedEventId;
    if (startedEventId === undefined) {
      throw new CommandError(
        enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
        `CancelTimerCommand: no running timer with ID ${timerId}.`,
      );
    }
    running?.handle.cancel();
    this.byId.delete(timerId);
    this.exec.append({
      type: E.EVENT_TYPE_TIMER_CANCELED,
      attributes: { timerId, startedEventId, workflowTaskCompletedEventId: completedEventId, identity },
    });
  }

  /** Running, or fired with its TimerFired event still buffered (so a CancelTimer command is valid). */
  isCancelable(timerId: string): boolean {
    return this.byId.has(timerId) || this.exec.hasBufferedTimerFired(timerId);
  }

  has(timerId: string): boolean {
    return this.byId.has(timerId);
  }

  releaseAll(): void {
    for (const t of this.byId.values()) t.handle.cancel();
    this.byId.clear();
  }
}
