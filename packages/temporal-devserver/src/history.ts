// One run's event history: contiguous event ids from 1, event times from the server clock, and
// long-poll waiters woken on every append.
import { enums, timestampFromMs, type Message, type Timestamp } from './proto';

import type { temporal } from '@temporalio/proto';

export type EventType = temporal.api.enums.v1.EventType;

export interface HistoryEvent {
  eventId: number;
  eventTime: Timestamp;
  eventType: EventType;
  taskId: number;
  userMetadata?: Message | undefined;
  [attributes: string]: unknown;
}

const attributeKeys = new Map<number, string>();
for (const [name, value] of Object.entries(enums.EventType)) {
  if (typeof value !== 'number' || name === 'EVENT_TYPE_UNSPECIFIED') continue;
  const camel = name
    .slice('EVENT_TYPE_'.length)
    .toLowerCase()
    .replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  attributeKeys.set(value, `${camel}EventAttributes`);
}

/** The HistoryEvent field holding a given event type's attributes, e.g. `timerFiredEventAttributes`. */
export function attributesKey(type: EventType): string {
  const key = attributeKeys.get(type);
  if (!key) throw new Error(`unknown event type ${type}`);
  return key;
}

export function attributesOf<T = Message>(event: HistoryEvent): T {
  return event[attributesKey(event.eventType)] as T;
}

export interface EventDraft {
  type: EventType;
  /** A function is evaluated when the event is appended (for ids known only then). */
  attributes: Message | (() => Message);
  userMetadata?: Message | undefined;
  /** Set `attributes.startedEventId` to the id of the event appended just before (activity close events). */
  startedFromPrevious?: boolean | undefined;
  /** Called with the event once it is in history (its id is known only then if it was buffered). */
  onAppended?: (event: HistoryEvent) => void;
}

let taskIdSeq = 1;

export function buildEvent(eventId: number, timeMs: number, draft: EventDraft): HistoryEvent {
  const attributes = typeof draft.attributes === 'function' ? draft.attributes() : draft.attributes;
  const event: HistoryEvent = {
    eventId,
    eventTime: timestampFromMs(timeMs),
    eventType: draft.type,
    taskId: taskIdSeq++,
    [attributesKey(draft.type)]: draft.startedFromPrevious
      ? { ...attributes, startedEventId: eventId - 1 }
      : attributes,
  };
  if (draft.userMetadata) event.userMetadata = draft.userMetadata;
  return event;
}

export class History {
  readonly events: HistoryEvent[] = [];
  private waiters = new Set<() => void>();

  get nextEventId(): number {
    return this.events.length + 1;
  }

  get lastEvent(): HistoryEvent | undefined {
    return this.events[this.events.length - 1];
  }

  /** Puts back a stored history (at start, before anything waits on it). */
  load(events: HistoryEvent[]): void {
    this.events.push(...events);
  }

  append(timeMs: number, draft: EventDraft): HistoryEvent {
    const event = buildEvent(this.nextEventId, timeMs, draft);
    this.events.push(event);
    draft.onAppended?.(event);
    this.notify();
    return event;
  }

  /** Events with ids in [fromEventId, toEventId). */
  slice(fromEventId: number, toEventId = this.nextEventId): HistoryEvent[] {
    return this.events.slice(Math.max(0, fromEventId - 1), Math.max(0, toEventId - 1));
  }

  /** Resolves on the next change or after `timeoutMs`; `cancel` registration ends the wait early. */
  waitForChange(timeoutMs: number, onCancel: (cb: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      onCancel(done);
    });
  }

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
