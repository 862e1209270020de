// The user workflow's send, in one activity call (one Temporal action): check the send against the user's current
// stored settings at the real send time, re-score the best pending candidates with the model and re-run the
// auction on those scores, then deliver, then write the outcome to the decision log together with the decisions
// the workflow has buffered.
//
// Why the check is here: a send is planned on the workflow's snapshot, and its attempts are retried for a while
// (a provider outage) while the signals that would change the plan wait in the workflow's inbox. Every attempt
// reads the stored opt-outs and quiet hours and compares them with its own clock, and declines rather than send
// inside quiet hours or after an opt-out (docs/product.md §3, §4.5). Caps and cooldown need no second look: they change
// only through sends, and the workflow makes one at a time.
//
// Why the auction is re-run here: the workflow plans on in-workflow priors (pure, free), and the model's scores
// decide only at send time. Scoring in a separate activity before each send cost a second action per send; scoring
// here lets the model veto the send instead ("outbid"), in which case nothing is delivered and the workflow
// re-plans on the returned scores.
import { Context, log } from '@temporalio/activity';
import { checkAtSend, DEFAULT_POLICY, heuristicScore, isValidTimeZone, plan, withOverrides } from '../domain';
import type { PolicyConfig } from '../domain/config';
import type { DecisionStore, StoredUserSettings, UserSettingsSource } from '../domain/ports';
import type { Candidate, Decision, EpochMs, Score } from '../domain/types';
import { handover, newerConfig, type HandoverSources } from './handover';
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

export interface SendDeps {
  deliver: Deliver;
  decisions: DecisionStore;
  /** The user's current stored settings, read on every attempt. */
  settings: UserSettingsSource;
  score: ScoreCandidates;
  /** The real send time (and the date of a failure). */
  now: () => EpochMs;
  /** The current version and the session aggregates, handed back with every result. */
  handover?: HandoverSources;
}

/** The outcome a delivery result means for its candidate; `failedAt` dates a failure (a delivery carries its own time). */
export function deliveryDecision(
  candidate: Candidate,
  result: DeliveryResult,
  failedAt: EpochMs,
  configVersion?: string,
  scoredBy = 'prior',
): Decision {
  return {
    candidateId: candidate.id,
    category: candidate.category,
    provenance: {
      source: candidate.source,
      ...(candidate.sourceId === undefined ? {} : { sourceId: candidate.sourceId }),
      ...(candidate.journey === undefined ? {} : { journey: candidate.journey }),
      template: candidate.template,
      ...(candidate.experiment === undefined ? {} : { experiment: candidate.experiment }),
      ...(candidate.variant === undefined ? {} : { variant: candidate.variant }),
    },
    ...(configVersion === undefined ? {} : { configVersion }),
    outcome:
      result.kind === 'delivered'
        ? { kind: 'sent', channel: result.channel, at: result.at }
        : { kind: 'suppressed', reason: result.reason, at: failedAt, detail: result.detail },
    // On a send, what the open model learns from later, and who scored it.
    ...(result.kind === 'delivered'
      ? {
          sent: {
            template: candidate.template,
            businessValue: candidate.businessValue,
            candidateCreatedAt: candidate.createdAt,
            scoredBy,
          },
        }
      : {}),
  };
}

export function createSendNotification(
  deps: SendDeps,
): (input: SendNotificationInput) => Promise<SendNotificationResult> {
  return async (input) => {
    const result = await attempt(input);
    const extra = await handover(deps.handover ?? {}, input.delivery.userId, input.configVersion);
    return { ...extra, ...result };
  };

  async function attempt({
    delivery: planned,
    unrecorded,
    auction,
    policy,
    configVersion,
    scoredBy,
  }: SendNotificationInput): Promise<SendNotificationResult> {
    const context = Context.current();
    // A read failure rejects: Temporal retries the attempt rather than send on a snapshot that may be stale.
    const settings = await deps.settings.load(planned.userId);
    context.heartbeat('settings checked');
    const newer = deps.handover === undefined ? undefined : newerConfig(deps.handover, configVersion);
    // Only the first attempt: a retry may follow an attempt that already reached some endpoints.
    if (newer !== undefined && context.info.attempt === 1) return { kind: 'reconsider', config: newer, settings };
    const version = deps.handover?.currentConfig?.();
    const config = version?.policy ?? withOverrides(DEFAULT_POLICY, policy ?? {});
    const delivery = current(planned, settings);
    const check = checkAtSend(
      delivery.candidate,
      delivery.channels,
      delivery.preferences,
      delivery.profile.timeZone,
      deps.now(),
      config,
    );
    if (check.kind !== 'send') return { kind: 'declined', check, settings };
    delivery.channels = check.channels;

    const scores = auction === undefined ? [] : await modelScores(deps.score, auction.scoring);
    context.heartbeat('scored');
    // Only the first attempt may be outbid: a retry follows an attempt that passed the auction and may already have
    // reached some endpoints, and a model updated in between must not leave that notification half-sent.
    if (auction !== undefined && context.info.attempt === 1) {
      const instead = outbidBy(delivery, auction, scores, config);
      if (instead !== null) return { kind: 'outbid', scores, why: instead };
    }
    // A delivery error propagates: Temporal retries it (the ledger keeps retries from sending twice).
    const result = await deps.deliver(delivery);
    const fresh = scores.find((s) => s.candidateId === delivery.candidate.id)?.scoredBy;
    const decision = deliveryDecision(
      delivery.candidate,
      result,
      deps.now(),
      version?.id ?? configVersion?.id,
      fresh ?? scoredBy ?? 'prior',
    );
    try {
      await deps.decisions.recordDecisions(delivery.userId, [...unrecorded, decision]);
      return { kind: 'attempted', delivery: result, decision, recorded: true, scores };
    } catch (err) {
      // Retrying the activity for the log would hold the delivery's outcome hostage to the database.
      log.warn('decision log unavailable; the workflow records these decisions later', {
        decisions: unrecorded.length + 1,
        error: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
      });
      return { kind: 'attempted', delivery: result, decision, recorded: false, scores };
    }
  }
}

/** The planned delivery under the stored settings (the plan's snapshot for what was never stored, or is invalid). */
function current(planned: DeliverNotificationInput, stored: StoredUserSettings): DeliverNotificationInput {
  const timeZone = stored.profile !== null && isValidTimeZone(stored.profile.timeZone) ? stored.profile.timeZone : null;
  return {
    ...planned,
    profile: timeZone === null ? planned.profile : { ...planned.profile, timeZone },
    preferences: stored.preferences ?? planned.preferences,
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
function outbidBy(
  delivery: DeliverNotificationInput,
  auction: SendAuction,
  scores: Score[],
  config: PolicyConfig,
): string | null {
  const { scoring } = auction;
  const byId: Record<string, Score> = {};
  for (const candidate of scoring.candidates) byId[candidate.id] = heuristicScore(candidate, scoring, config);
  for (const s of scores) byId[s.candidateId] = s;
  const { action } = plan(
    {
      profile: delivery.profile,
      preferences: delivery.preferences,
      pending: scoring.candidates,
      sends: scoring.recentSends,
      lastEngagementAt: auction.lastEngagementAt,
      userSince: auction.userSince,
      engagement: scoring.hourOfWeek,
    },
    byId,
    scoring.now,
    config,
    auction.planMode ?? 'per_candidate',
  );
  if (action.kind === 'send' && action.candidate.id === delivery.candidate.id) return null;
  if (action.kind === 'send') return `sends ${action.candidate.id} instead: ${action.why}`;
  return `${action.kind === 'wait' ? 'waits' : 'idle'}: ${action.why}`;
}
