// User timers of one run (StartTimer / CancelTimer commands).
import type { ClockTimer } from './clock';
import { CommandError } from './command-error';
import type { Execution } from './execution';
import { enums, msFromDuration, type Duration, type Message } from './proto';

const E = enums.EventType;

interface UserTimer {
  startedEventId: number;
  handle: ClockTimer;
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
    const firesAt = this.exec.now() + msFromDuration(attrs.startToFireTimeout);
    const handle = this.exec.clock.at(firesAt, () => {
      if (this.byId.get(timerId)?.startedEventId !== event.eventId) return;
      this.byId.delete(timerId);
      this.exec.record({ type: E.EVENT_TYPE_TIMER_FIRED, attributes: { timerId, startedEventId: event.eventId } });
    });
    this.byId.set(timerId, { startedEventId: event.eventId, handle });
  }

  cancel(attrs: { timerId?: string } | undefined, completedEventId: number): void {
    const timer = attrs?.timerId ? this.byId.get(attrs.timerId) : undefined;
    if (!timer) {
      throw new CommandError(
        enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
        `CancelTimerCommand: no running timer with ID ${attrs?.timerId ?? ''}.`,
      );
    }
    timer.handle.cancel();
    this.byId.delete(attrs!.timerId!);
    this.exec.append({
      type: E.EVENT_TYPE_TIMER_CANCELED,
      attributes: {
        timerId: attrs!.timerId,
        startedEventId: timer.startedEventId,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
  }

  has(timerId: string): boolean {
    return this.byId.has(timerId);
  }

  releaseAll(): void {
    for (const t of this.byId.values()) t.handle.cancel();
    this.byId.clear();
  }
}
