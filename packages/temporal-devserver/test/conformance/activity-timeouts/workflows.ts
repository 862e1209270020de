import { ActivityFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type * as activities from './activities';

export interface TimeoutReport {
  timedOut: boolean;
  timeoutType?: string;
  lastHeartbeatDetails?: unknown;
  retryState?: string;
}

export async function runWithTimeouts(
  name: 'slow' | 'heartbeatOnceThenStall',
  args: unknown[],
  options: ActivityOptions,
): Promise<TimeoutReport> {
  const acts = proxyActivities<typeof activities>(options);
  try {
    await (acts[name] as (...a: unknown[]) => Promise<string>)(...args);
    return { timedOut: false };
  } catch (err) {
    if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure)) throw err;
    return {
      timedOut: true,
      timeoutType: String(err.cause.timeoutType),
      lastHeartbeatDetails: err.cause.lastHeartbeatDetails,
      retryState: String(err.retryState),
    };
  }
}
