// One long-lived workflow per user: holds the user's attention budget and decides whether, when and on
// which channel to notify them (PRODUCT.md §1–5, §10). Deterministic: only domain/ (pure) and
// @temporalio/workflow are imported; `Date.now()` is the workflow clock.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { DEFAULT_POLICY, DEFAULT_TRIGGERS, plan, withOverrides, type PlanAction, type PolicyConfig } from '../domain';
import type { Candidate, Channel, Decision, EpochMs, Score } from '../domain/types';
import type { StoredUserSettings } from '../domain/ports';
import type { SendAuction, SendNotificationResult, TactActivities } from '../activities/types';
import { DEFAULT_DECISION_LOG_DELAY_MS, mustRecordBeforeSleep } from './decision-log';
import {
  appOpenedSignal,
  candidateSignal,
  devicesChangedSignal,
  notificationEventSignal,
  preferencesSignal,
  profileSignal,
  stateQuery,
  userEventSignal,
  type UserWorkflowInput,
} from './definitions';
import {
  currentDetails,
  opsAttributes,
  readOpsAttributes,
  searchAttributeUpdates,
  stateView,
  type OpsAttributes,
  type PlanSummary,
} from './ops-view';
import {
  applyMessages,
  applyStoredSettings,
  conclude,
  decide,
  initialState,
  markRecorded,
  needingModelScore,
  plannerState,
  planningScores,
  prune,
  scoringContext,
  type InboxMessage,
  type RuntimeOptions,
  type UserState,
} from './user-state';
import { WakeTimer } from './wake-timer';

/**
 * Continue-as-new well before Temporal's limits (51,200 events / 50 MB; the server suggests it at
 * about 4K events): a small history keeps replay after a cache eviction cheap. A standard user-day
 * produces ~100 events, so this is a new run every few weeks for a typical user.
 */
export const DEFAULT_MAX_HISTORY_EVENTS = 2_000;
export const DEFAULT_MAX_HISTORY_BYTES = 2 * 1024 * 1024;

const MAX_DELIVERY_WINDOW_MS = 60 * 60_000;

export async function userWorkflow(input: UserWorkflowInput): Promise<void> {
  const options = input.options ?? {};
  const config = withOverrides(DEFAULT_POLICY, options.policy ?? {});
  const triggers = options.triggers ?? DEFAULT_TRIGGERS;
  const maxEvents = options.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const maxBytes = options.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES;
  const decisionLogDelay = options.decisionLogDelayMs ?? DEFAULT_DECISION_LOG_DELAY_MS;

  const state: UserState = input.carried?.state ?? initialState(input.userId, Date.now());
  const inbox: InboxMessage[] = [...(input.carried?.inbox ?? [])];
  const timer = new WakeTimer();
  let lastPlan: PlanSummary = { next: null, why: 'starting' };
  let published: Partial<OpsAttributes> = readOpsAttributes(workflowInfo().typedSearchAttributes);
  let details = '';

  // Handlers only enqueue: all decisions happen in the loop, in arrival order.
  setHandler(userEventSignal, (event) => void inbox.push({ kind: 'event', event }));
  setHandler(candidateSignal, (candidate) => void inbox.push({ kind: 'candidate', candidate }));
  setHandler(profileSignal, (change) => void inbox.push({ kind: 'profile', change }));
  setHandler(preferencesSignal, (change) => void inbox.push({ kind: 'preferences', change }));
  setHandler(notificationEventSignal, (event) => void inbox.push({ kind: 'notification', event }));
  setHandler(appOpenedSignal, ({ at }) => void inbox.push({ kind: 'appOpened', at }));
  setHandler(devicesChangedSignal, ({ at }) => void inbox.push({ kind: 'devicesChanged', at }));
  setHandler(stateQuery, () => stateView(state, inbox.length, lastPlan, Date.now(), config));

  if (input.carried === undefined) {
    // Before the first message: the API may have stored settings before this run existed (a restart, a terminated
    // workflow, events sent before any settings signal). Signals that arrive meanwhile are newer, so they follow.
    lastPlan = { next: null, why: 'loading stored settings' };
    const stored = await loadStoredSettings(state.userId);
    const { warnings } = applyStoredSettings(state, stored, Date.now(), config);
    for (const warning of warnings) log.warn(warning, { userId: state.userId });
  }

  for (;;) {
    const now = Date.now();
    if (inbox.length > 0) {
      const { warnings } = applyMessages(state, inbox.splice(0), now, config, triggers);
      for (const warning of warnings) log.warn(warning, { userId: state.userId });
    }
    prune(state, now, config);

    const scores = planningScores(state, now, config);
    const { drops, action } = plan(plannerState(state), scores, now, config);
    for (const drop of drops) decide(state, drop, now);

    if (action.kind === 'send') {
      lastPlan = { next: { at: now, candidateId: action.candidate.id, why: action.why }, why: action.why };
      await send(state, action.candidate, action.channels, auctionFor(state, action.candidate, now, config, options));
      continue;
    }

    lastPlan = summarize(action);
    if (inbox.length > 0) continue;

    if (shouldContinueAsNew(maxEvents, maxBytes)) {
      // Buffered decisions travel in the carried state; the new run writes them under the same bound.
      publish(state, lastPlan, now, config, null);
      await condition(allHandlersFinished);
      state.stats.continuedAsNew += 1;
      log.info('continuing as new', { userId: state.userId, historyLength: workflowInfo().historyLength });
      return await continueAsNew<typeof userWorkflow>({
        userId: state.userId,
        options,
        carried: { state, inbox: inbox.splice(0) },
      });
    }

    // No wake-up at local midnight: the plan already accounts for the day's budget resetting (see ops-view.ts
    // for what that leaves stale).
    timer.arm(
      action.kind === 'wait' ? action.until : null,
      now,
      action.kind === 'wait' ? `waiting: ${action.why}` : '',
    );
    if (mustRecordBeforeSleep(state, now, timer.deadline, decisionLogDelay)) {
      await recordDecisions(state);
      if (inbox.length > 0) continue;
    }
    publish(state, lastPlan, Date.now(), config, timer.deadline);
    await condition(() => inbox.length > 0 || timer.fired);
  }

  function publish(s: UserState, summary: PlanSummary, at: EpochMs, cfg: PolicyConfig, wakeAt: EpochMs | null): void {
    const exact = opsAttributes(s, summary, at, cfg);
    const wanted = opsAttributes(s, summary, at, cfg, wakeAt);
    const updates = searchAttributeUpdates(published, wanted);
    if (updates.length > 0) {
      upsertSearchAttributes(updates);
      published = wanted;
    }
    const next = currentDetails(s, summary, exact);
    if (next !== details) {
      setCurrentDetails(next);
      details = next;
    }
  }
}

function isCritical(candidate: Candidate, config: PolicyConfig): boolean {
  return config.categories[candidate.category].priorityClass === 'critical';
}

function summarize(action: Exclude<PlanAction, { kind: 'send' }>): PlanSummary {
  return action.kind === 'wait'
    ? { next: { at: action.until, candidateId: action.candidateId, why: action.why }, why: action.why }
    : { next: null, why: action.why };
}

function shouldContinueAsNew(maxEvents: number, maxBytes: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= maxEvents || info.historySize >= maxBytes;
}

/**
 * The auction the send activity re-runs on fresh model scores (see activities/send.ts), or none: critical
 * candidates skip scoring (nothing to optimize, and every millisecond counts), and a plan already made on fresh
 * model scores needs no second look.
 */
function auctionFor(
  state: UserState,
  candidate: Candidate,
  now: EpochMs,
  config: PolicyConfig,
  options: RuntimeOptions,
): SendAuction | undefined {
  if (isCritical(candidate, config)) return undefined;
  if (!needingModelScore(state, now).some((c) => !isCritical(c, config))) return undefined;
  return {
    scoring: {
      userId: state.userId,
      candidates: state.pending.filter((c) => !isCritical(c, config)),
      ...scoringContext(state, now),
    },
    pending: state.pending,
    ...(state.lastEngagementAt === undefined ? {} : { lastEngagementAt: state.lastEngagementAt }),
    userSince: state.userSince,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  };
}

/**
 * Delivers and, in the same activity, records the outcome with every buffered decision; with an auction, the
 * activity first re-scores the pending candidates and may decline ("outbid"), leaving the workflow to re-plan on
 * the model's scores.
 */
async function send(
  state: UserState,
  candidate: Candidate,
  channels: Channel[],
  auction: SendAuction | undefined,
): Promise<void> {
  const now = Date.now();
  const window = Math.min(MAX_DELIVERY_WINDOW_MS, Math.max(60_000, candidate.expiresAt - now));
  const rescoring = auction === undefined ? '' : ` (re-scoring ${auction.scoring.candidates.length} pending)`;
  const { sendNotification } = proxyActivities<TactActivities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: window,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: `deliver ${candidate.category} ${candidate.template} via ${channels.join(' → ')}${rescoring}`,
  });
  const unrecorded = [...state.unrecorded];
  let result: SendNotificationResult;
  try {
    result = await sendNotification({
      delivery: { userId: state.userId, candidate, channels, profile: state.profile, preferences: state.preferences },
      unrecorded,
      ...(auction === undefined ? {} : { auction }),
    });
  } catch (err) {
    log.warn('delivery failed after retries', { userId: state.userId, candidateId: candidate.id });
    decide(state, failed(candidate, Date.now(), failureMessage(err)), Date.now());
    return;
  }
  // Scored at the decision time: the scores' best send times are predicted from it.
  for (const score of result.scores) {
    if (state.pending.some((c) => c.id === score.candidateId)) {
      state.modelScores[score.candidateId] = { score: stripExtra(score), scoredAt: now };
    }
  }
  if (result.kind === 'outbid') {
    log.info('send outbid on fresh scores', { userId: state.userId, candidateId: candidate.id, why: result.why });
    return;
  }
  const { decision } = result;
  if (decision.outcome.kind === 'sent') {
    state.sends.push({
      candidateId: candidate.id,
      category: candidate.category,
      channel: decision.outcome.channel,
      at: decision.outcome.at,
    });
  }
  if (result.recorded) {
    markRecorded(state, unrecorded.length);
    conclude(state, decision);
  } else {
    decide(state, decision, Date.now());
  }
}

/** Only what planning needs: a model may return more, and the workflow state is carried in history. */
function stripExtra(score: Score): Score {
  return { candidateId: score.candidateId, expectedValue: score.expectedValue, bestSendAt: score.bestSendAt };
}

function failed(candidate: Candidate, at: EpochMs, detail: string): Decision {
  return {
    candidateId: candidate.id,
    category: candidate.category,
    outcome: { kind: 'suppressed', reason: 'delivery_failed', at, detail },
  };
}

/**
 * Retried without limit (signals queue in the inbox meanwhile, and nothing is decided): deciding on the defaults
 * while the store is down could notify a user who opted out, or one in Tokyo at 3 a.m.
 */
async function loadStoredSettings(userId: string): Promise<StoredUserSettings> {
  const { loadUserSettings } = proxyActivities<TactActivities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: 'load stored profile and preferences',
  });
  return await loadUserSettings({ userId });
}

async function recordDecisions(state: UserState): Promise<void> {
  const decisions = [...state.unrecorded];
  const { recordDecisions: record } = proxyActivities<TactActivities>({
    startToCloseTimeout: '30s',
    // Unlimited attempts: the decision log must not lose an outcome; it is idempotent per candidate.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: `record ${decisions.length} decision(s)`,
  });
  await record({ userId: state.userId, decisions });
  markRecorded(state, decisions.length);
}

function failureMessage(err: unknown): string {
  const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return message.slice(0, 200);
}
