import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type * as activities from './activities';

export interface FailureReport {
  failed: true;
  activityType: string | undefined;
  retryState: string | undefined;
  causeType: string | undefined;
  causeMessage: string | undefined;
  causeDetails: unknown[] | undefined;
}

export type Outcome<T> = { failed: false; value: T } | FailureReport;

function report(err: unknown): FailureReport {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause;
  return {
    failed: true,
    activityType: err.activityType,
    retryState: err.retryState === undefined ? undefined : String(err.retryState),
    causeType: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined,
    causeMessage: cause?.message,
    causeDetails: cause instanceof ApplicationFailure ? cause.details?.slice() : undefined,
  };
}

export async function runActivity(
  name: 'greet' | 'flaky' | 'alwaysFails' | 'failsNonRetryable',
  args: unknown[],
  retry: RetryPolicy,
): Promise<Outcome<unknown>> {
  const acts = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds', retry });
  try {
    const fn = acts[name] as (...a: unknown[]) => Promise<unknown>;
    return { failed: false, value: await fn(...args) };
  } catch (err) {
    return report(err);
  }
}
