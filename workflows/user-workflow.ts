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
import {
  budgetLeftToday,
  DEFAULT_POLICY,
  DEFAULT_TRIGGERS,
  nextLocalTime,
  plan,
  withOverrides,
  type PlanAction,
  type PolicyConfig,
} from '../domain';
import type { Candidate, Channel, EpochMs, Score } from '../domain/types';
import type { DeliveryResult, TactActivities } from '../activities/types';
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
  formatLocal,
  opsAttributes,
  readOpsAttributes,
  searchAttributeUpdates,
  stateView,
  type OpsAttributes,
  type PlanSummary,
} from './ops-view';
import {
  applyMessages,
  decide,
  initialState,
  needingModelScore,
  plannerState,
  planningScores,
  prune,
  scoringContext,
  type InboxMessage,
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

  for (;;) {
    const now = Date.now();
    if (inbox.length > 0) {
      const { warnings } = applyMessages(state, inbox.splice(0), now, config, triggers);
      for (const warning of warnings) log.warn(warning, { userId: state.userId });
    }
    prune(state, now, config);

    const scores = planningScores(state, now, config);
    const { drops, action } = plan(plannerState(state), scores, now, config);
    for (const drop of drops) decide(state, drop);

    if (action.kind === 'send') {
      // Critical candidates skip scoring; otherwise the send is decided on fresh model scores.
      const toScore = isCritical(action.candidate, config)
        ? []
        : needingModelScore(state, now).filter((c) => !isCritical(c, config));
      if (toScore.length > 0) {
        await refreshModelScores(state, toScore, now, config);
        continue;
      }
      lastPlan = { next: { at: now, candidateId: action.candidate.id, why: action.why }, why: action.why };
      await send(state, action.candidate, action.channels);
      continue;
    }

    lastPlan = summarize(action);
    await flushDecisions(state);
    if (inbox.length > 0) continue;

    publish(state, lastPlan, Date.now(), config);

    if (shouldContinueAsNew(maxEvents, maxBytes)) {
      await condition(allHandlersFinished);
      state.stats.continuedAsNew += 1;
      log.info('continuing as new', { userId: state.userId, historyLength: workflowInfo().historyLength });
      return await continueAsNew<typeof userWorkflow>({
        userId: state.userId,
        options,
        carried: { state, inbox: inbox.splice(0) },
      });
    }

    const wake = wakeAt(state, action, Date.now(), config);
    timer.arm(wake?.at ?? null, Date.now(), wake?.summary ?? '');
    await condition(() => inbox.length > 0 || timer.fired);
  }

  function publish(s: UserState, summary: PlanSummary, at: EpochMs, cfg: PolicyConfig): void {
    const wanted = opsAttributes(s, summary, at, cfg);
    const updates = searchAttributeUpdates(published, wanted);
    if (updates.length > 0) {
      upsertSearchAttributes(updates);
      published = wanted;
    }
    const next = currentDetails(s, summary, wanted);
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

/**
 * When to wake without a signal: the planned send time, or the local midnight when the day's budget
 * resets first (day rollover re-plans and refreshes TactBudgetLeft). Null: sleep until a signal.
 */
function wakeAt(
  state: UserState,
  action: Exclude<PlanAction, { kind: 'send' }>,
  now: EpochMs,
  config: PolicyConfig,
): { at: EpochMs; summary: string } | null {
  const tz = state.profile.timeZone;
  const midnight = nextLocalTime(now, tz, 0);
  const ps = plannerState(state);
  const rollover = budgetLeftToday(ps, midnight, config) !== budgetLeftToday(ps, now, config) ? midnight : null;
  const planned = action.kind === 'wait' ? action.until : null;
  if (planned !== null && (rollover === null || planned <= rollover)) {
    return { at: planned, summary: `waiting: ${action.why}` };
  }
  if (rollover !== null) return { at: rollover, summary: `day rollover at ${formatLocal(rollover, tz)}: re-plan` };
  return null;
}

function shouldContinueAsNew(maxEvents: number, maxBytes: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= maxEvents || info.historySize >= maxBytes;
}

async function refreshModelScores(
  state: UserState,
  candidates: Candidate[],
  now: EpochMs,
  config: PolicyConfig,
): Promise<void> {
  const { scoreCandidates } = proxyActivities<TactActivities>({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '1s', maximumAttempts: 3 },
    summary: `score ${candidates.length} candidate(s)`,
  });
  const priors = planningScores(state, now, config);
  let scores: Score[] = [];
  try {
    scores = await scoreCandidates({ userId: state.userId, candidates, ...scoringContext(state, now) });
  } catch (err) {
    // Scoring must never stall notifications: this round decides on the in-workflow prior.
    log.warn('scoring failed; using priors', { userId: state.userId, error: failureMessage(err) });
  }
  const byId = new Map(scores.map((s) => [s.candidateId, s]));
  for (const candidate of candidates) {
    const score = byId.get(candidate.id) ?? priors[candidate.id];
    if (score) state.modelScores[candidate.id] = { score: stripSource(score), scoredAt: now };
  }
}

function stripSource(score: Score & { source?: unknown }): Score {
  return { candidateId: score.candidateId, expectedValue: score.expectedValue, bestSendAt: score.bestSendAt };
}

async function send(state: UserState, candidate: Candidate, channels: Channel[]): Promise<void> {
  const now = Date.now();
  const window = Math.min(MAX_DELIVERY_WINDOW_MS, Math.max(60_000, candidate.expiresAt - now));
  const { deliverNotification } = proxyActivities<TactActivities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: window,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: `deliver ${candidate.category} ${candidate.template} via ${channels.join(' → ')}`,
  });
  let result: DeliveryResult;
  try {
    result = await deliverNotification({
      userId: state.userId,
      candidate,
      channels,
      profile: state.profile,
      preferences: state.preferences,
    });
  } catch (err) {
    log.warn('delivery failed after retries', { userId: state.userId, candidateId: candidate.id });
    result = { kind: 'failed', reason: 'delivery_failed', detail: failureMessage(err) };
  }
  const at = Date.now();
  if (result.kind === 'delivered') {
    state.sends.push({ candidateId: candidate.id, category: candidate.category, channel: result.channel, at });
    decide(state, {
      candidateId: candidate.id,
      category: candidate.category,
      outcome: { kind: 'sent', channel: result.channel, at },
    });
  } else {
    decide(state, {
      candidateId: candidate.id,
      category: candidate.category,
      outcome: { kind: 'suppressed', reason: result.reason, at, detail: result.detail },
    });
  }
}

async function flushDecisions(state: UserState): Promise<void> {
  if (state.unrecorded.length === 0) return;
  const decisions = state.unrecorded.splice(0);
  const { recordDecisions } = proxyActivities<TactActivities>({
    startToCloseTimeout: '30s',
    // Unlimited attempts: the decision log must not lose an outcome; it is idempotent per candidate.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: `record ${decisions.length} decision(s)`,
  });
  await recordDecisions({ userId: state.userId, decisions });
}

function failureMessage(err: unknown): string {
  const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return message.slice(0, 200);
}
