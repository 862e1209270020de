import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';

/** What each activity attempt saw, per key: its attempt number and the heartbeat details it started with. */
export const seen = new Map<string, { attempt: number; details: unknown }[]>();
/** Keys whose activity observed cancellation through its heartbeat. */
export const observedCancellation = new Set<string>();

/** Heartbeats `progress` then fails on the first two attempts; resumes from the last heartbeat on retry. */
export async function resumable(key: string): Promise<number> {
  const { attempt, heartbeatDetails } = Context.current().info;
  seen.set(key, [...(seen.get(key) ?? []), { attempt, details: heartbeatDetails }]);
  const progress = (typeof heartbeatDetails === 'number' ? heartbeatDetails : 0) + 10;
  Context.current().heartbeat(progress);
  if (attempt < 3) {
    // Give the heartbeat time to reach the server before failing the attempt.
    await Context.current().sleep(1_500);
    throw ApplicationFailure.retryable(`attempt ${attempt} fails after heartbeating ${progress}`);
  }
  return progress;
}

/** Heartbeats until cancelled; cancellation only reaches an activity through a heartbeat response. */
export async function heartbeatUntilCancelled(key: string): Promise<never> {
  try {
    for (;;) {
      Context.current().heartbeat('alive');
      await Context.current().sleep(200);
    }
  } catch (err) {
    if (err instanceof CancelledFailure) observedCancellation.add(key);
    throw err;
  }
}
