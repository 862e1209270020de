// The user workflow's send, in one activity call (one Temporal action): re-score the pending candidates with the
// model and re-run the auction on those scores, then deliver, then write the outcome to the decision log together
// with the decisions the workflow has buffered.
//
// Why the auction is re-run here: the workflow plans on in-workflow priors (pure, free), and the model's scores
// decide only at send time. Scoring in a separate activity before each send cost a second action per send; scoring
// here lets the model veto the send instead ("outbid"), in which case nothing is delivered and the workflow
// re-plans on the returned scores. Rules (caps, cooldown, quiet hours, opt-outs) were already checked by the
// workflow's plan at the same instant; the auction here can only change which candidate is worth sending when.
import { Context, log } from '@temporalio/activity';
import { DEFAULT_POLICY, heuristicScore, plan, withOverrides } from '../domain';
import type { DecisionStore } from '../domain/ports';
import type { Candidate, Decision, EpochMs, Score } from '../domain/types';
import type {
  DeliverNotificationInput,
  DeliveryResult,
  ScoreCandidatesInput,
  SendAuction,
  SendNotificationInput,
  SendNotificationResult,
} from './types';

export type Deliver = (input: DeliverNotificationInput) => Promise<DeliveryResult>;
export type ScoreCandidates = (input: ScoreCandidatesInput) => Promise<Score[]>;

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
  score: ScoreCandidates,
): (input: SendNotificationInput) => Promise<SendNotificationResult> {
  return async ({ delivery, unrecorded, auction }) => {
    const scores = auction === undefined ? [] : await modelScores(score, auction.scoring);
    // Only the first attempt may be outbid: a retry follows an attempt that passed the auction and may already have
    // reached some endpoints, and a model updated in between must not leave that notification half-sent.
    if (auction !== undefined && Context.current().info.attempt === 1) {
      const instead = outbidBy(delivery, auction, scores);
      if (instead !== null) return { kind: 'outbid', scores, why: instead };
    }
    // A delivery error propagates: Temporal retries it (the ledger keeps retries from sending twice).
    const result = await deliver(delivery);
    const decision = deliveryDecision(delivery.candidate, result, now());
    try {
      await store.recordDecisions(delivery.userId, [...unrecorded, decision]);
      return { kind: 'attempted', delivery: result, decision, recorded: true, scores };
    } catch (err) {
      // Retrying the activity for the log would hold the delivery's outcome hostage to the database.
      log.warn('decision log unavailable; the workflow records these decisions later', {
        decisions: unrecorded.length + 1,
        error: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
      });
      return { kind: 'attempted', delivery: result, decision, recorded: false, scores };
    }
  };
}

/** The model's scores, or none when it fails: scoring must never stall a notification (the auction uses priors). */
async function modelScores(score: ScoreCandidates, input: ScoreCandidatesInput): Promise<Score[]> {
  try {
    return await score(input);
  } catch (err) {
    log.warn('scoring failed; the auction runs on priors', {
      candidates: input.candidates.length,
      error: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
    });
    return [];
  }
}

/**
 * What the auction does instead of sending this candidate now, given the model's scores (priors for the rest,
 * as the workflow plans), at the workflow's decision time; null when it still sends it.
 */
function outbidBy(delivery: DeliverNotificationInput, auction: SendAuction, scores: Score[]): string | null {
  const config = withOverrides(DEFAULT_POLICY, auction.policy ?? {});
  const { scoring } = auction;
  const byId: Record<string, Score> = {};
  for (const candidate of auction.pending) byId[candidate.id] = heuristicScore(candidate, scoring, config);
  for (const s of scores) byId[s.candidateId] = s;
  const { action } = plan(
    {
      profile: delivery.profile,
      preferences: delivery.preferences,
      pending: auction.pending,
      sends: scoring.recentSends,
      lastEngagementAt: auction.lastEngagementAt,
      userSince: auction.userSince,
      engagement: scoring.hourOfWeek,
    },
    byId,
    scoring.now,
    config,
  );
  if (action.kind === 'send' && action.candidate.id === delivery.candidate.id) return null;
  if (action.kind === 'send') return `sends ${action.candidate.id} instead: ${action.why}`;
  return `${action.kind === 'wait' ? 'waits' : 'idle'}: ${action.why}`;
}
