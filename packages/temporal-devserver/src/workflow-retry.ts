// Workflow-level retries (a start with a retry policy) and what a successor run inherits.
import { randomUUID } from 'node:crypto';
import type { Continuation, Execution } from './execution';
import { enums, type Message } from './proto';
import { decideRetry, normalizeRetryPolicy, type RetryPolicyMessage } from './retry';

/** The start of a run that continues `exec` (continue-as-new or retry): same chain, current memo and search attributes. */
export function successorBase(exec: Execution): Continuation['start'] {
  return {
    ...exec.start,
    memo: exec.memo,
    searchAttributes: exec.searchAttributes,
    continuedExecutionRunId: exec.runId,
    identity: undefined,
    requestId: undefined,
    userMetadata: undefined,
    continuedFailure: undefined,
    lastCompletionResult: undefined,
  };
}

/**
 * Temporal retries a failed or timed-out run only when the workflow was started with a retry policy;
 * otherwise the close event says RETRY_POLICY_NOT_SET.
 */
export function workflowRetry(
  exec: Execution,
  failure: Message | undefined,
): { retryState: number; continuation?: Continuation } {
  const policy = exec.start.retryPolicy as RetryPolicyMessage | undefined;
  if (!policy) return { retryState: enums.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET };
  const decision = decideRetry(
    normalizeRetryPolicy(policy),
    exec.start.attempt,
    failure,
    exec.now(),
    exec.start.expirationTime ?? 0,
  );
  if (!decision.retry) return { retryState: decision.retryState };
  return {
    retryState: enums.RetryState.RETRY_STATE_IN_PROGRESS,
    continuation: {
      newRunId: randomUUID(),
      start: {
        ...successorBase(exec),
        input: exec.start.input,
        header: exec.start.header,
        attempt: exec.start.attempt + 1,
        initiator: enums.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY,
        continuedFailure: failure,
        firstWorkflowTaskBackoffMs: decision.backoffMs,
      },
    },
  };
}
