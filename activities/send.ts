// The user workflow's send: deliver, then write the outcome to the decision log together with the decisions
// the workflow has buffered, so a send and its bookkeeping cost one Temporal action instead of two.
import { log } from '@temporalio/activity';
import type { DecisionStore } from '../domain/ports';
import type { Candidate, Decision, EpochMs } from '../domain/types';
import type { DeliverNotificationInput, DeliveryResult, SendNotificationInput, SendNotificationResult } from './types';

export type Deliver = (input: DeliverNotificationInput) => Promise<DeliveryResult>;

/** The outcome a delivery result means for its candidate; `failedAt` dates a failure (a delivery carries its own time). */
export function deliveryDecision(candidate: Candidate, result: DeliveryResult, failedAt: EpochMs): Decision {
  return {
    candidateId: candidate.id,
    category: candidate.category,
    outcome:
      result.kind === 'delivered'
        ? { kind: 'sent', channel: result.channel, at: result.at }
        : { kind: 'suppressed', reason: result.reason, at: failedAt, detail: result.detail },
  };
}

export function createSendNotification(
  deliver: Deliver,
  store: DecisionStore,
  now: () => EpochMs,
): (input: SendNotificationInput) => Promise<SendNotificationResult> {
  return async ({ delivery, unrecorded }) => {
    // A delivery error propagates: Temporal retries it (the ledger keeps retries from sending twice).
    const result = await deliver(delivery);
    const decision = deliveryDecision(delivery.candidate, result, now());
    try {
      await store.recordDecisions(delivery.userId, [...unrecorded, decision]);
      return { delivery: result, decision, recorded: true };
    } catch (err) {
      // Retrying the activity for the log would hold the delivery's outcome hostage to the database.
      log.warn('decision log unavailable; the workflow records these decisions later', {
        decisions: unrecorded.length + 1,
        error: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
      });
      return { delivery: result, decision, recorded: false };
    }
  };
}
