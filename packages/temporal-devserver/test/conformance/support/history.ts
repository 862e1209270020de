import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Event type names without the `EVENT_TYPE_` prefix, e.g. `MARKER_RECORDED`. */
export function eventTypeName(event: HistoryEvent): string {
  return (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
}

export async function historyEvents(handle: WorkflowHandle, runId?: string): Promise<HistoryEvent[]> {
  const target = runId ? handle.client.getHandle(handle.workflowId, runId) : handle;
  const history = await target.fetchHistory();
  return history.events ?? [];
}

export async function eventTypeNames(handle: WorkflowHandle, runId?: string): Promise<string[]> {
  return (await historyEvents(handle, runId)).map(eventTypeName);
}
