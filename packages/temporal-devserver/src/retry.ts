// Temporal's retry policy arithmetic, shared by activities and workflow retries.
import type { temporal } from '@temporalio/proto';
import { durationFromMs, enums, msFromDuration, type Decoded, type Duration, type Message } from './proto';

export interface RetryPolicy {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** 0 = unlimited */
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
}

export type RetryPolicyMessage = Decoded<temporal.api.common.v1.IRetryPolicy>;

/** Fills Temporal's defaults: 1 s initial, coefficient 2, maximum 100 × initial, unlimited attempts. */
export function normalizeRetryPolicy(p: RetryPolicyMessage | undefined): RetryPolicy {
  const initialIntervalMs = msFromDuration(p?.initialInterval) || 1000;
  return {
    initialIntervalMs,
    backoffCoefficient: p?.backoffCoefficient || 2,
    maximumIntervalMs: msFromDuration(p?.maximumInterval) || 100 * initialIntervalMs,
    maximumAttempts: p?.maximumAttempts ?? 0,
    nonRetryableErrorTypes: p?.nonRetryableErrorTypes ?? [],
  };
}

export function retryPolicyMessage(p: RetryPolicy): Message {
  return {
    initialInterval: durationFromMs(p.initialIntervalMs),
    backoffCoefficient: p.backoffCoefficient,
    maximumInterval: durationFromMs(p.maximumIntervalMs),
    maximumAttempts: p.maximumAttempts,
    nonRetryableErrorTypes: p.nonRetryableErrorTypes,
  };
}

export type RetryDecision = { retry: true; backoffMs: number } | { retry: false; retryState: number };

interface FailureLike {
  applicationFailureInfo?: { type?: string; nonRetryable?: boolean; nextRetryDelay?: Duration } | undefined;
  timeoutFailureInfo?: { timeoutType?: number } | undefined;
}

const RS = enums.RetryState;

/**
 * Whether attempt `attempt` (1-based, just failed with `failure`) is retried, and after how long.
 * `deadline` is the absolute time after which no attempt may start (0 = none).
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  failure: FailureLike | undefined,
  now: number,
  deadline: number,
): RetryDecision {
  const app = failure?.applicationFailureInfo;
  if (app?.nonRetryable) return { retry: false, retryState: RS.RETRY_STATE_NON_RETRYABLE_FAILURE };
  const type =
    app?.type ?? (failure?.timeoutFailureInfo ? timeoutTypeName(failure.timeoutFailureInfo.timeoutType) : undefined);
  if (type !== undefined && policy.nonRetryableErrorTypes.includes(type)) {
    return { retry: false, retryState: RS.RETRY_STATE_NON_RETRYABLE_FAILURE };
  }
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) {
    return { retry: false, retryState: RS.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED };
  }
  const explicit = msFromDuration(app?.nextRetryDelay);
  const backoffMs =
    explicit > 0
      ? explicit
      : Math.min(policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1), policy.maximumIntervalMs);
  if (deadline > 0 && now + backoffMs >= deadline) return { retry: false, retryState: RS.RETRY_STATE_TIMEOUT };
  return { retry: true, backoffMs: Math.round(backoffMs) };
}

function timeoutTypeName(t: number | undefined): string {
  switch (t) {
    case enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE:
      return 'TemporalTimeout:StartToClose';
    case enums.TimeoutType.TIMEOUT_TYPE_HEARTBEAT:
      return 'TemporalTimeout:Heartbeat';
    case enums.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START:
      return 'TemporalTimeout:ScheduleToStart';
    case undefined:
    default:
      return 'TemporalTimeout:ScheduleToClose';
  }
}
