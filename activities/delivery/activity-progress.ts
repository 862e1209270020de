// Progress reports to Temporal while a delivery runs as (part of) an activity; no-ops when it is called directly
// (tests, scripts), so delivery does not depend on running inside a worker.
import { asyncLocalStorage } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

/** Heartbeats with non-secret details; Temporal answers a heartbeat with the cancellation of a stale attempt. */
export function heartbeat(details: Record<string, string | number>): void {
  asyncLocalStorage.getStore()?.heartbeat(details);
}

/**
 * Throws the activity's cancellation (timed out, superseded, workflow cancelled) so the attempt stops between two
 * endpoints: a send already made is recorded first, and an attempt Temporal gave up on sends nothing more.
 */
export function throwIfCancelled(): void {
  const signal = asyncLocalStorage.getStore()?.cancellationSignal;
  if (signal?.aborted !== true) return;
  throw signal.reason instanceof Error ? signal.reason : new CancelledFailure('delivery attempt cancelled');
}
