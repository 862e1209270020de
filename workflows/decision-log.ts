// When the workflow writes decided outcomes to the decision log. Each activity call is a billed Temporal action, so
// outcomes are not written one call each: every outcome is decided (and shown by the `state` query) at once, then
// waits in the workflow's state until the next send writes it in the same activity call as the send's own `sent`
// outcome. A separate recordDecisions call is made only when waiting longer would break the bound below.
// Nothing can be lost while waiting: the buffer is workflow state, carried across continue-as-new.
import type { EpochMs } from '../domain/types';
import type { UserState } from './user-state';

/**
 * How long a suppression may wait for a send before a recordDecisions call writes it. This is how far the decision
 * log (GET /v1/users/{id}/decisions) may lag the live state for suppressions; `sent` outcomes are never delayed,
 * since the delivery activity records them. Per deployment: RuntimeOptions.decisionLogDelayMs.
 */
export const DEFAULT_DECISION_LOG_DELAY_MS = 24 * 60 * 60_000;
/** A buffer this full is written before the next sleep even when a send is near: it bounds the carried state. */
export const MAX_UNRECORDED_DECISIONS = 100;
/**
 * The most buffered decisions one activity call carries (a send's or a recordDecisions call's), so a burst of drops
 * (a full queue evicting, a flood of rate-limited critical events) never builds an input near Temporal's 2 MB limit.
 */
export const MAX_DECISIONS_PER_CALL = 500;

/**
 * Whether the buffered decisions must be written before the workflow sleeps until `wakeAt` (null: until a signal).
 * Sleeping is safe when the workflow is sure to wake before the buffer's deadline: a wake-up either sends (which
 * writes the buffer) or asks again.
 */
export function mustRecordBeforeSleep(
  state: Pick<UserState, 'unrecorded' | 'unrecordedSince'>,
  now: EpochMs,
  wakeAt: EpochMs | null,
  maxDelayMs: number,
): boolean {
  if (state.unrecorded.length === 0) return false;
  if (state.unrecorded.length >= MAX_UNRECORDED_DECISIONS) return true;
  const deadline = (state.unrecordedSince ?? now) + maxDelayMs;
  return wakeAt === null || wakeAt > deadline || now >= deadline;
}
