// One long-lived workflow per user: holds the user's attention budget and decides whether, when and on
// which channel to notify them (docs/product.md §1–5, §10). Deterministic: only domain/ (pure) and
// @temporalio/workflow are imported; `Date.now()` is the workflow clock.
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  DEFAULT_POLICY,
  DEFAULT_TRIGGERS,
  FATIGUE_WINDOW_MS,
  LEGACY_RULESET_ID,
  isNewerRuleSet,
  nextQuietHoursStart,
  plan,
  quietHoursEnd,
  sendsHorizonMs,
  withOverrides,
  type PlanAction,
  type PlanMode,
  type PolicyConfig,
  type RuleSet,
  type RuleSetRef,
} from '../domain';
import type { Candidate, Channel, Decision, DurationMs, EpochMs, Score } from '../domain/types';
import type {
  LoadedUserSettings,
  RecordDecisionsResult,
  SendAuction,
  SendNotificationResult,
  TactActivities,
} from '../activities/types';
import { carry, migrate } from './carried-state';
import { enrollSignal, journeyReportSignal } from '../journeys/definitions';
import { DEFAULT_DECISION_LOG_DELAY_MS, MAX_DECISIONS_PER_CALL, mustRecordBeforeSleep } from './decision-log';
import {
  appOpenedSignal,
  candidateSignal,
  candidatesSignal,
  devicesChangedSignal,
  notificationEventSignal,
  preferencesSignal,
  profileSignal,
  stateQuery,
  userEventSignal,
  withdrawSignal,
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
  adoptRuleSet,
  applyMessages,
  applySessions,
  applyStoredSettings,
  lastEngagedAt,
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
import { JOURNEYS } from '../journeys/registry';
import { hostJourneys } from './journey-effects';
import type { JourneyHosting } from './journey-host';
import { present } from '../domain/present';
import { workflowNow } from './now';
import { EPOCH, maxOf, subMs } from '../domain/units';

/**
 * Continue-as-new well before Temporal's limits (51,200 events / 50 MB; the server suggests it at
 * about 4K events): a small history keeps replay after a cache eviction cheap. A standard user-day
 * produces ~100 events, so this is a new run every few weeks for a typical user.
 */
export const DEFAULT_MAX_HISTORY_EVENTS = 2_000;
export const DEFAULT_MAX_HISTORY_BYTES = 2 * 1024 * 1024;

/** How long a send's attempts may go on (less when the candidate expires first or quiet hours begin). */
const MAX_DELIVERY_WINDOW_MS = 60 * 60_000;
/** The shortest window a send gets: one unhurried attempt. */
const MIN_DELIVERY_WINDOW_MS = 10_000;
/** Longer than the slowest provider call between two heartbeats of a send attempt. */
const SEND_HEARTBEAT_TIMEOUT = '30s';
/** A whole attempt: every endpoint of every channel in turn, each heartbeating. */
const SEND_ATTEMPT_TIMEOUT = '2m';
/** The most contenders a send's auction re-scores with the model: the best few, not the whole queue. */
export const AUCTION_SIZE = 20;

export async function userWorkflow(input: UserWorkflowInput): Promise<void> {
  const options = input.options ?? {};
  const triggers = options.triggers ?? DEFAULT_TRIGGERS;
  const maxEvents = options.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const maxBytes = options.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES;
  const decisionLogDelay = options.decisionLogDelayMs ?? DEFAULT_DECISION_LOG_DELAY_MS;

  const carried = input.carried === undefined ? undefined : migrate(input.carried);
  const state: UserState = carried?.state ?? initialState(input.userId, workflowNow());
  // The version decisions are made with: carried, else the one the workflow was started with, else (workflows started
  // before versions existed) the policy it was started with. Newer versions arrive with activity results.
  state.ruleSet ??= options.config ?? legacyRuleSet(options);
  const policy = (): PolicyConfig => ruleSetOf(state).policy;
  const inbox: InboxMessage[] = [...(carried?.inbox ?? [])];
  const timer = new WakeTimer();
  let lastPlan: PlanSummary = { next: null, why: 'starting' };
  let published: Partial<OpsAttributes> = readOpsAttributes(workflowInfo().typedSearchAttributes);
  let details = '';
  const journeys: JourneyHosting = { registry: JOURNEYS, userWorkflowId: workflowInfo().workflowId };

  // Handlers only enqueue: all decisions happen in the loop, in arrival order.
  setHandler(userEventSignal, (event) => void inbox.push({ kind: 'event', event }));
  setHandler(candidateSignal, (candidate) => void inbox.push({ kind: 'candidate', candidate }));
  setHandler(candidatesSignal, (proposal) => void inbox.push({ kind: 'candidates', proposal }));
  setHandler(profileSignal, (change) => void inbox.push({ kind: 'profile', change }));
  setHandler(preferencesSignal, (change) => void inbox.push({ kind: 'preferences', change }));
  setHandler(notificationEventSignal, (event) => void inbox.push({ kind: 'notification', event }));
  setHandler(
    appOpenedSignal,
    ({ at, sessions }) => void inbox.push({ kind: 'appOpened', at, ...(sessions === undefined ? {} : { sessions }) }),
  );
  setHandler(devicesChangedSignal, ({ at }) => void inbox.push({ kind: 'devicesChanged', at }));
  setHandler(withdrawSignal, (withdraw) => void inbox.push({ kind: 'withdraw', withdraw }));
  setHandler(enrollSignal, (request) => void inbox.push({ kind: 'enroll', request }));
  setHandler(journeyReportSignal, (report) => void inbox.push({ kind: 'journey', report }));
  setHandler(stateQuery, () => stateView(state, inbox.length, lastPlan, workflowNow(), policy(), fatigueWindowMs));

  // Runs whose history began before the day plan keep planning per candidate, and those that began before its search
  // budget plan without one (replay must take the same decisions); every run started since, continue-as-new
  // included, plans the day within the budget. Decided once per run, at its start.
  const planMode: PlanMode = patched(DAY_PLAN_PATCH)
    ? patched(DAY_PLAN_BUDGET_PATCH)
      ? 'day'
      : 'day_exact'
    : 'per_candidate';
  // Runs from before it count fatigue over exactly 24 h, an edge that sat on the plan's own hour grid (see
  // FATIGUE_WINDOW_MS in domain/scoring.ts); decided once per run, at its start, like the plan mode.
  const fatigueWindowMs = patched(FATIGUE_WINDOW_PATCH) ? FATIGUE_WINDOW_MS : undefined;

  if (carried === undefined) {
    // Before the first message: the API may have stored settings before this run existed (a restart, a terminated
    // workflow, events sent before any settings signal). Signals that arrive meanwhile are newer, so they follow.
    lastPlan = { next: null, why: 'loading stored settings' };
    await loadSettings(true);
  }

  for (;;) {
    if (inbox.some((message) => needsNewerVersion(message, ruleSetOf(state)))) {
      // A candidate of a category this version lacks, from a newer version: fetch that version before admitting it
      // (rather than suppress it as removed). One settings load, only for users who receive such a candidate.
      await loadSettings();
    }
    const now = workflowNow();
    const config = policy();
    if (inbox.length > 0) {
      const { warnings } = applyMessages(state, inbox.splice(0), now, config, triggers, journeys);
      for (const warning of warnings) log.warn(warning, { userId: state.userId });
    }
    prune(state, now, config);

    const scores = planningScores(state, now, config, fatigueWindowMs);
    const { drops, action } = plan(plannerState(state), scores, now, config, planMode);
    for (const drop of drops) decide(state, drop, now);

    if (action.kind === 'send') {
      lastPlan = { next: { at: now, candidateId: action.candidate.id, why: action.why }, why: action.why };
      // Checked before every send too: a run of due sends (a burst of critical events) must not outgrow the history.
      if (shouldContinueAsNew(maxEvents, maxBytes)) return await continueAsNewNow(now);
      const result = await send(
        state,
        action.candidate,
        action.channels,
        auctionFor(state, action.candidate, scores, now, config, planMode, fatigueWindowMs),
        config,
        options,
        scores[action.candidate.id]?.scoredBy ?? 'prior',
      );
      adoptFrom(result);
      continue;
    }

    lastPlan = summarize(action);
    if (inbox.length > 0) continue;
    // Journey starts and messages (none for a user never enrolled): then look at the inbox again.
    if (await hostJourneys(state, journeys, lastEngagedAt(state))) continue;

    if (shouldContinueAsNew(maxEvents, maxBytes)) return await continueAsNewNow(now);

    // No wake-up at local midnight: the plan already accounts for the day's budget resetting (see ops-view.ts
    // for what that leaves stale).
    timer.arm(
      action.kind === 'wait' ? action.until : null,
      now,
      action.kind === 'wait' ? `waiting: ${action.why}` : '',
    );
    if (mustRecordBeforeSleep(state, now, timer.deadline, decisionLogDelay)) {
      // Then re-plan: signals may have arrived meanwhile, and a large buffer takes more than one call.
      adoptFrom(await recordDecisions(state));
      continue;
    }
    publish(state, lastPlan, workflowNow(), config, timer.deadline);
    await condition(() => inbox.length > 0 || timer.fired);
  }

  /** Loads the stored settings (and, when newer, the current version and the session aggregate) and applies them. */
  async function loadSettings(freshRun = false): Promise<void> {
    const stored = await loadStoredSettings(state.userId, workflowNow(), policy(), ref(ruleSetOf(state)), freshRun);
    adoptFrom(stored);
    const { warnings } = applyStoredSettings(state, stored, workflowNow(), policy());
    for (const warning of warnings) log.warn(warning, { userId: state.userId });
  }

  /** What an activity handed back beside its result: a newer version, a newer session aggregate. */
  function adoptFrom(result: { config?: RuleSet; sessions?: LoadedUserSettings['sessions'] } | undefined): void {
    if (result === undefined) return;
    const before = ruleSetOf(state).id;
    if (adoptRuleSet(state, result.config, workflowNow())) {
      log.info('adopted catalog version', { userId: state.userId, from: before, to: ruleSetOf(state).id });
    }
    applySessions(state, result.sessions);
  }

  /** Hands the state and every unprocessed signal to a new run (buffered decisions travel in the state). */
  async function continueAsNewNow(now: EpochMs): Promise<never> {
    publish(state, lastPlan, now, policy(), null);
    await condition(allHandlersFinished);
    state.stats.continuedAsNew += 1;
    log.info('continuing as new', { userId: state.userId, historyLength: workflowInfo().historyLength });
    return await continueAsNew<typeof userWorkflow>({
      userId: state.userId,
      options,
      carried: carry(state, inbox.splice(0)),
    });
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

const DAY_PLAN_PATCH = 'day-plan';
const DAY_PLAN_BUDGET_PATCH = 'day-plan-budget';
const FATIGUE_WINDOW_PATCH = 'fatigue-window';
const SCORES_AFTER_SEND_PATCH = 'no-scores-across-send';

function optionalEngagedAt(at: EpochMs | undefined): { lastEngagementAt?: EpochMs } {
  return at === undefined ? {} : { lastEngagementAt: at };
}

function isCritical(candidate: Candidate, config: PolicyConfig): boolean {
  return Object.hasOwn(config.categories, candidate.category)
    ? config.categories[candidate.category]?.priorityClass === 'critical'
    : false;
}

function legacyRuleSet(options: RuntimeOptions): RuleSet {
  return { id: LEGACY_RULESET_ID, since: EPOCH, policy: withOverrides(DEFAULT_POLICY, options.policy ?? {}) };
}

/** The run's rule set: set when the run starts (carried, given, or the legacy policy), never unset after. */
function ruleSetOf(state: UserState): RuleSet {
  return present(state.ruleSet, 'the rule set');
}

function ref(ruleSet: RuleSet): RuleSetRef {
  return { id: ruleSet.id, since: ruleSet.since };
}

/** A message naming a newer version, with a candidate whose category the current version does not have. */
function needsNewerVersion(message: InboxMessage, current: RuleSet): boolean {
  const announced =
    message.kind === 'event'
      ? { version: message.event.configVersion, candidates: message.event.candidates ?? [] }
      : message.kind === 'candidates'
        ? { version: message.proposal.configVersion, candidates: message.proposal.candidates }
        : null;
  if (announced?.version === undefined || !isNewerRuleSet(announced.version, current)) return false;
  return announced.candidates.some((c) => !Object.hasOwn(current.policy.categories, c.category));
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
 * model scores needs no second look. Its contenders are the AUCTION_SIZE best non-critical candidates under the
 * planning scores (the one to send among them): the input stays small whatever the queue's length.
 */
function auctionFor(
  state: UserState,
  candidate: Candidate,
  scores: Readonly<Record<string, Score>>,
  now: EpochMs,
  config: PolicyConfig,
  planMode: PlanMode,
  fatigueWindowMs: DurationMs | undefined,
): SendAuction | undefined {
  if (isCritical(candidate, config)) return undefined;
  if (!needingModelScore(state, now).some((c) => !isCritical(c, config))) return undefined;
  const value = (c: Candidate): number => scores[c.id]?.expectedValue ?? c.businessValue;
  const others = state.pending
    .filter((c) => c.id !== candidate.id && !isCritical(c, config))
    .sort((a, b) => value(b) - value(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, AUCTION_SIZE - 1);
  return {
    scoring: {
      userId: state.userId,
      candidates: [candidate, ...others],
      ...scoringContext(state, now, fatigueWindowMs),
      userSince: state.userSince,
      ...optionalEngagedAt(lastEngagedAt(state)),
    },
    lastEngagementAt: lastEngagedAt(state),
    userSince: state.userSince,
    planMode,
  };
}

/**
 * Delivers and, in the same activity, records the outcome with every buffered decision; with an auction, the
 * activity first re-scores the contenders and may decline ("outbid"), leaving the workflow to re-plan on the
 * model's scores. Every attempt re-checks quiet hours and opt-outs against the stored settings; a declined send
 * (nothing delivered) brings them back, and the workflow adopts them and re-plans. The attempts of a non-critical
 * send stop when quiet hours begin; the candidate then waits for them to end, as planning would have it.
 */
async function send(
  state: UserState,
  candidate: Candidate,
  channels: Channel[],
  auction: SendAuction | undefined,
  config: PolicyConfig,
  options: RuntimeOptions,
  scoredBy: string,
): Promise<SendNotificationResult | undefined> {
  const now = workflowNow();
  const untilExpiry = Math.min(MAX_DELIVERY_WINDOW_MS, Math.max(MIN_DELIVERY_WINDOW_MS, candidate.expiresAt - now));
  const quietStart = isCritical(candidate, config)
    ? null
    : nextQuietHoursStart(now, state.profile.timeZone, state.preferences, config);
  const cutByQuietHours = quietStart !== null && quietStart - now < untilExpiry;
  const window = cutByQuietHours ? Math.max(MIN_DELIVERY_WINDOW_MS, quietStart - now) : untilExpiry;
  const rescoring = auction === undefined ? '' : ` (re-scoring ${auction.scoring.candidates.length} pending)`;
  const { sendNotification } = proxyActivities<TactActivities>({
    // An attempt heartbeats per endpoint; a provider call may take 20 s. A silent attempt is stuck: Temporal times it
    // out and retries, and the attempt learns it was abandoned at its next heartbeat, instead of both sending.
    heartbeatTimeout: SEND_HEARTBEAT_TIMEOUT,
    startToCloseTimeout: SEND_ATTEMPT_TIMEOUT,
    scheduleToCloseTimeout: window,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: `deliver ${candidate.category} ${candidate.template} via ${channels.join(' → ')}${rescoring}`,
  });
  const unrecorded = state.unrecorded.slice(0, MAX_DECISIONS_PER_CALL);
  let result: SendNotificationResult;
  try {
    result = await sendNotification({
      delivery: { userId: state.userId, candidate, channels, profile: state.profile, preferences: state.preferences },
      unrecorded,
      ...(auction === undefined ? {} : { auction }),
      configVersion: ref(ruleSetOf(state)),
      // Only a workflow still on its start-time policy needs it sent: versions are known to the activity.
      ...(options.policy === undefined || ruleSetOf(state).id !== LEGACY_RULESET_ID ? {} : { policy: options.policy }),
      scoredBy,
    });
  } catch (err) {
    if (cutByQuietHours && ranOutOfTime(err) && candidate.expiresAt > workflowNow()) {
      // Not a failure of the notification: its attempts ran into quiet hours. It waits for them to end (not for a
      // fresh window before they begin: the provider just failed for the whole of the last one).
      log.warn('delivery retries stopped at quiet hours', { userId: state.userId, candidateId: candidate.id });
      const end = quietHoursEnd(quietStart, state.profile.timeZone, state.preferences, config);
      if (end !== null) holdUntil(state, candidate.id, end);
      return undefined;
    }
    log.warn('delivery failed after retries', { userId: state.userId, candidateId: candidate.id });
    decide(state, failed(candidate, workflowNow(), failureMessage(err)), workflowNow());
    return undefined;
  }
  if (result.kind === 'reconsider') {
    // A newer version is current: nothing was sent; the loop adopts it (with the stored settings) and re-plans.
    log.info('send deferred to a newer catalog version', { userId: state.userId, candidateId: candidate.id });
    const { warnings } = applyStoredSettings(state, result.settings, workflowNow(), result.config.policy);
    for (const warning of warnings) log.warn(warning, { userId: state.userId });
    return result;
  }
  if (result.kind === 'declined') {
    declined(state, candidate, result, config);
    return result;
  }
  // Scored at the decision time: the scores' best send times are predicted from it.
  for (const score of result.scores) {
    if (state.pending.some((c) => c.id === score.candidateId)) {
      state.modelScores[score.candidateId] = { score: stripExtra(score), scoredAt: now };
    }
  }
  if (result.kind === 'outbid') {
    log.info('send outbid on fresh scores', { userId: state.userId, candidateId: candidate.id, why: result.why });
    return result;
  }
  const { decision } = result;
  if (decision.outcome.kind === 'sent') {
    state.sends.push({
      candidateId: candidate.id,
      category: candidate.category,
      channel: decision.outcome.channel,
      at: decision.outcome.at,
    });
    // The auction scored the others before this send: their fatigue and recency are out of date now, and the plan
    // made right after the send must not spend the next slot as if it had not happened (plan on priors until the
    // next auction re-scores, as after an engagement). Runs from before keep them (replay).
    if (patched(SCORES_AFTER_SEND_PATCH)) state.modelScores = {};
  }
  if (result.recorded) {
    markRecorded(state, unrecorded.length);
    conclude(state, decision);
  } else {
    decide(state, decision, workflowNow());
  }
  return result;
}

/**
 * The send activity found the stored settings forbid the send now: adopt them (the snapshot was stale, and its
 * signal may never come), then make sure the candidate cannot be planned straight back into the same refusal.
 */
function declined(
  state: UserState,
  candidate: Candidate,
  result: Extract<SendNotificationResult, { kind: 'declined' }>,
  config: PolicyConfig,
): void {
  const now = workflowNow();
  const { check } = result;
  log.info('send declined at send time', { userId: state.userId, candidateId: candidate.id, why: check.kind });
  const { warnings } = applyStoredSettings(state, result.settings, now, config);
  for (const warning of warnings) log.warn(warning, { userId: state.userId });
  if (!state.pending.some((c) => c.id === candidate.id)) return;
  if (check.kind === 'drop') {
    decide(
      state,
      {
        candidateId: candidate.id,
        category: candidate.category,
        outcome: { kind: 'suppressed', reason: check.reason, at: now, detail: check.detail },
      },
      now,
    );
    return;
  }
  holdUntil(state, candidate.id, check.until);
}

/** Keeps a pending candidate from being planned before `until` (its notBefore), whatever the snapshot says. */
function holdUntil(state: UserState, candidateId: string, until: EpochMs): void {
  state.pending = state.pending.map((c) =>
    c.id === candidateId ? { ...c, notBefore: maxOf(c.notBefore ?? EPOCH, until) } : c,
  );
}

/** The attempts stopped because the window closed (a timeout, or no time left for the next retry). */
function ranOutOfTime(err: unknown): boolean {
  return err instanceof ActivityFailure && err.retryState === 'TIMEOUT';
}

/** Only what planning needs: a model may return more, and the workflow state is carried in history. */
function stripExtra(score: Score): Score {
  const { candidateId, expectedValue, bestSendAt, scoredBy } = score;
  return { candidateId, expectedValue, bestSendAt, ...(scoredBy === undefined ? {} : { scoredBy }) };
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
 * while the store is down could notify a user who opted out, or one in Tokyo at 3 a.m. With the settings come the
 * sends earlier runs made, as far back as the rules look: a terminated or lost run's caps and cooldown still hold.
 */
async function loadStoredSettings(
  userId: string,
  now: EpochMs,
  config: PolicyConfig,
  configVersion: RuleSetRef,
  freshRun: boolean,
): Promise<LoadedUserSettings> {
  const { loadUserSettings } = proxyActivities<TactActivities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: 'load stored profile, preferences and recent sends',
  });
  return await loadUserSettings({
    userId,
    sendsSince: subMs(now, sendsHorizonMs(config)),
    atLeastSends: config.lowResponderWindow,
    configVersion,
    // Accepted work a lost run held comes back to this one (docs/ingestion.md "Recovery").
    ...(freshRun ? { freshRun } : {}),
  });
}

async function recordDecisions(state: UserState): Promise<RecordDecisionsResult | undefined> {
  const decisions = state.unrecorded.slice(0, MAX_DECISIONS_PER_CALL);
  const { recordDecisions: record } = proxyActivities<TactActivities>({
    startToCloseTimeout: '30s',
    // Unlimited attempts: the decision log must not lose an outcome; it is idempotent per candidate.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
    summary: `record ${decisions.length} decision(s)`,
  });
  const result = await record({ userId: state.userId, decisions, configVersion: ref(ruleSetOf(state)) });
  markRecorded(state, decisions.length);
  // Histories from before versions existed completed this activity with no result.
  return result ?? undefined;
}

function failureMessage(err: unknown): string {
  const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return message.slice(0, 200);
}
