// Walks a workflow history for its payloads, as a reader of Temporal's database would see them.
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { present } from '../../domain/present';

export interface FoundPayload {
  /** Where in the history, e.g. `events.3.workflowExecutionSignaledEventAttributes.input.payloads.0`. */
  path: string;
  payload: Payload;
}

export function payloadsOf(history: temporal.api.history.v1.IHistory): FoundPayload[] {
  const found: FoundPayload[] = [];
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    const record = value as Record<string, unknown>;
    const metadata = record.metadata;
    if (
      metadata &&
      typeof metadata === 'object' &&
      (metadata as Record<string, unknown>).encoding instanceof Uint8Array
    ) {
      found.push({ path, payload: value });
      return;
    }
    for (const [key, child] of Object.entries(record)) walk(child, path === '' ? key : `${path}.${key}`);
  };
  walk(history, '');
  return found;
}

export function encodingOf(payload: Payload): string {
  return Buffer.from(
    present(present(payload.metadata, 'payload.metadata').encoding, 'payload.metadata.encoding'),
  ).toString('utf8');
}

/** Every byte of the history as text (payload bytes included), to search for a plaintext marker. */
export function historyText(history: temporal.api.history.v1.IHistory): string {
  return JSON.stringify(history, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
  );
}
