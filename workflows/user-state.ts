// The user workflow's state and how inbox messages change it. Pure and deterministic (no Temporal
// calls), so it is unit-testable and safe in the workflow sandbox; the loop lives in user-workflow.ts.
import {
  admit,
  candidatesFromEvent,
  categoryPolicy,
  combinedCounts,
  pooledByDayKind,
  isNewerRuleSet,
  defaultPreferences,
  defaultProfile,
  dropOptedOut,
  heuristicScore,
  isMinuteOfDay,
  present,
  isValidTimeZone,
  pruneSends,
  recordEngagement,
  rememberAdmission,
  withOverrides,
  type PlannerState,
  type PolicyConfig,
  type RuleSet,
  type SessionAggregate,
  type ScoringContext,
  type TriggerRule,
  withReceipt,
} from '../domain';
import type { StoredUserSettings } from '../domain/ports';
import {
  CHANNELS,
  NOTIFICATION_EVENT_TYPES,
  PRIORITY_RANK,
  type Candidate,
  type Decision,
  type DurationMs,
  type EpochMs,
  type HourOfWeekCounts,
  type NotificationEvent,
  type Preferences,
  type Provenance,
  type Score,
  type SendRecord,
  type UserProfile,
} from '../domain/types';
import { MAX_UNRECORDED_DECISIONS } from './decision-log';
import type { CandidatesProposal, UserEventSignal, UserStats, WithdrawCandidates } from './definitions';
import type { EnrollSignalInput, JourneyReport } from '../journeys/definitions';
import {
  enroll,
  onEvent,
  onPreferences,
  onProfile,
  onReport,
  type JourneyHostDeps,
  type JourneyHostState,
  type JourneyHosting,
} from './journey-host';
import { nth } from '../domain/present';
import { maxOf } from '../domain/units';

export type PolicyOverrides = Parameters<typeof withOverrides>[1];

export interface RuntimeOptions {
  /**
   * The catalog/policy version current when the workflow was started (the API's). Newer versions reach the workflow
   * as data returned by its activities; `policy` is only for workflows started before versions existed, and tests.
   */
  config?: RuleSet;
  policy?: PolicyOverrides | undefined;
  /** Trigger rules; the domain's DEFAULT_TRIGGERS when absent. */
  triggers?: TriggerRule[];
  /** Continue-as-new once the run's history has this many events (default 2,000). */
  maxHistoryEvents?: number;
  /** Continue-as-new once the run's history is this large in bytes (default 2 MB). */
  maxHistoryBytes?: number;
  /** How long a suppression may wait in the workflow before it must be in the decision log (default 24 h). */
  decisionLogDelayMs?: number | undefined;
}

/**
 * A preference signal's payload. The API sends the full stored preferences with their `version` (incremented by every
 * stored write), so a signal overtaken by a newer one is recognised; journeys, tools and older clients send a partial
 * change without one, merged as it comes.
 */
export type PreferencesChange = Partial<Preferences> & { version?: number };

export type InboxMessage =
  | { kind: 'event'; event: UserEventSignal }
  | { kind: 'candidate'; candidate: Candidate }
  | { kind: 'candidates'; proposal: CandidatesProposal }
  | { kind: 'profile'; change: Partial<UserProfile> }
  | { kind: 'preferences'; change: PreferencesChange }
  | { kind: 'notification'; event: NotificationEvent }
  | { kind: 'appOpened'; at: EpochMs; sessions?: SessionAggregate }
  | { kind: 'devicesChanged'; at: EpochMs }
  | { kind: 'withdraw'; withdraw: WithdrawCandidates }
  | { kind: 'enroll'; request: EnrollSignalInput }
  | { kind: 'journey'; report: JourneyReport };

/** A score from the model (scored inside the send activity), valid until invalidated or older than MODEL_SCORE_TTL_MS. */
export interface ModelScore {
  score: Score;
  scoredAt: EpochMs;
}

export interface UserState {
  userId: string;
  profile: UserProfile;
  preferences: Preferences;
  /** The version of the newest stored preferences applied (see PreferencesChange); absent before any. */
  preferencesVersion?: number;
  userSince: EpochMs;
  pending: Candidate[];
  modelScores: Record<string, ModelScore>;
  /** Delivered notifications, oldest first, pruned to what caps and adaptive rules need. */
  sends: SendRecord[];
  lastEngagementAt?: EpochMs;
  engagement: { counts: HourOfWeekCounts; updatedAt?: EpochMs };
  /** Admission memory (dedupe keys and candidate ids → when admitted), kept by the domain's rememberAdmission. */
  dedupeKeys: Record<string, EpochMs>;
  /**
   * Recently seen event and candidate ids (`event:<id>`, `candidate:<id>`) → when first seen, oldest first:
   * remembered for EVENT_ID_MEMORY_MS, and at most the newest SEEN_IDS_CAP of those.
   */
  seenIds: Record<string, EpochMs>;
  /** Newest last, bounded; for the state query. */
  recentDecisions: Decision[];
  /** Decisions not yet in the decision log, oldest first (see decision-log.ts for when they are written). */
  unrecorded: Decision[];
  /** When the oldest of `unrecorded` was decided; absent when it is empty. */
  unrecordedSince?: EpochMs;
  stats: UserStats;
  /** The catalog/policy version decisions are made with (absent in states carried from before versions existed). */
  ruleSet?: RuleSet;
  /** The stored session aggregate last handed over by an activity (docs/catalog.md "Engagement"). */
  sessions?: SessionAggregate;
  /** The user's journey runs (workflows/journey-host.ts); absent until the first enrollment. */
  journeys?: JourneyHostState;
}

const HOURS_PER_WEEK = 168;
/**
 * Event ids are remembered for 72 hours, and at most the last SEEN_IDS_CAP per user (a user with more events than
 * that in 72 hours has the oldest forgotten sooner): a re-sent event within that memory is a duplicate. The cap
 * bounds the workflow state carried in history; the API's own idempotency record sits in front of it.
 */
export const EVENT_ID_MEMORY_MS = 72 * 60 * 60_000;
export const SEEN_IDS_CAP = 2_000;
/** A receipt or engagement time further in the future than this (a client clock ahead) is taken as now. */
export const MAX_CLOCK_SKEW_MS = 2 * 60_000;
/** How many decisions the state keeps for the `state` query (which adds any older unwritten ones: see ops-view.ts). */
export const RECENT_DECISIONS_CAP = MAX_UNRECORDED_DECISIONS;
/**
 * The most candidates waiting at once. Beyond it the least valuable are suppressed at once (see boundPending): the
 * queue is workflow state, carried in history and re-planned on every wake-up.
 */
export const MAX_PENDING = 200;
/** A model score older than this is refreshed (by the send activity's auction) before it decides a send. */
export const MODEL_SCORE_TTL_MS = 15 * 60_000;

export function initialState(userId: string, now: EpochMs): UserState {
  return {
    userId,
    profile: defaultProfile(),
    preferences: defaultPreferences(),
    userSince: now,
    pending: [],
    modelScores: {},
    sends: [],
    engagement: { counts: Array.from({ length: HOURS_PER_WEEK }, () => 0) },
    dedupeKeys: {},
    seenIds: {},
    recentDecisions: [],
    unrecorded: [],
    stats: {
      messagesProcessed: 0,
      events: 0,
      duplicateEvents: 0,
      candidatesAdmitted: 0,
      sent: 0,
      suppressed: 0,
      continuedAsNew: 0,
    },
  };
}

export function plannerState(state: UserState): PlannerState {
  return {
    profile: state.profile,
    preferences: state.preferences,
    pending: state.pending,
    sends: state.sends,
    lastEngagementAt: lastEngagedAt(state),
    userSince: state.userSince,
    engagement: engagementCounts(state),
  };
}

/**
 * The engagement counts decisions use: the workflow's and the sessions', pooled by day kind when the run's policy
 * says so (PolicyConfig.engagementPooling; a setting, so running workflows keep what they started with).
 */
export function engagementCounts(state: UserState): HourOfWeekCounts {
  const counts = combinedCounts(state.engagement, state.sessions);
  return state.ruleSet?.policy.engagementPooling === true ? pooledByDayKind(counts) : counts;
}

/** The latest engagement known: a receipt or app-open signal, or a stored session. */
export function lastEngagedAt(state: UserState): EpochMs | undefined {
  const own = state.lastEngagementAt;
  const session = state.sessions?.lastAt;
  if (own === undefined) return session;
  return session === undefined ? own : maxOf(own, session);
}

/**
 * Adopts a newer session aggregate (an older or equal one is ignored: aggregates only grow). Returns whether it was
 * newer; engagement moves best send times, so model scores are dropped.
 */
export function applySessions(state: UserState, aggregate: SessionAggregate | undefined): boolean {
  if (aggregate === undefined) return false;
  if (state.sessions !== undefined && aggregate.updatedAt <= state.sessions.updatedAt) return false;
  state.sessions = aggregate;
  state.modelScores = {};
  return true;
}

/**
 * Adopts a catalog/policy version if it is newer than the one in use. A pending candidate whose category the new
 * version no longer has ends `category_removed`. Returns whether the version changed.
 */
export function adoptRuleSet(state: UserState, ruleSet: RuleSet | undefined, now: EpochMs): boolean {
  if (ruleSet === undefined || !isNewerRuleSet(ruleSet, state.ruleSet)) return false;
  state.ruleSet = ruleSet;
  state.modelScores = {};
  for (const candidate of state.pending.filter((c) => !Object.hasOwn(ruleSet.policy.categories, c.category))) {
    decide(
      state,
      {
        candidateId: candidate.id,
        category: candidate.category,
        outcome: {
          kind: 'suppressed',
          reason: 'category_removed',
          at: now,
          detail: `category "${candidate.category}" is not in catalog version ${ruleSet.id}`,
        },
      },
      now,
    );
  }
  return true;
}

export interface ApplyResult {
  /** Problems with signal payloads, already ignored; for the workflow log (no PII in them). */
  warnings: string[];
}

/**
 * Applies inbox messages in arrival order. Mutates `state` (the workflow owns it exclusively);
 * suppression decisions are appended to `state.unrecorded` and `state.recentDecisions`.
 */
export function applyMessages(
  state: UserState,
  messages: readonly InboxMessage[],
  now: EpochMs,
  config: PolicyConfig,
  triggers: readonly TriggerRule[],
  journeys?: JourneyHosting,
): ApplyResult {
  const warnings: string[] = [];
  const seenIds = forgetOldIds(state.seenIds, now);
  state.seenIds = seenIds;
  const seen = (id: string): boolean => seenIds[id] !== undefined;
  const remember = (id: string): void => {
    seenIds[id] = now;
  };

  const hostDeps = (hosting: JourneyHosting): JourneyHostDeps => ({
    registry: hosting.registry,
    userWorkflowId: hosting.userWorkflowId,
    lastEngagementAt: lastEngagedAt(state),
    withdraw: (runId) => withdraw(state, { source: 'journey', sourceId: runId }, now),
    refuse: (candidate, detail) => decide(state, refused(candidate, now, detail), now, candidate),
  });

  const admitCandidate = (candidate: Candidate): void => {
    const suppression = admit({ ...plannerState(state), dedupeKeys: state.dedupeKeys }, candidate, now, config);
    state.dedupeKeys = rememberAdmission(state.dedupeKeys, candidate, suppression, now, config);
    if (suppression) {
      decide(state, suppression, now, candidate);
      return;
    }
    state.pending.push(candidate);
    state.stats.candidatesAdmitted += 1;
  };
  const proposeCandidate = (candidate: Candidate): void => {
    const problem = candidateProblem(candidate, state.userId);
    if (problem) {
      warnings.push(`candidate ${String(candidate.id)} ${problem}; ignored`);
      return;
    }
    const key = `candidate:${candidate.id}`;
    // A re-delivered proposal of the same candidate (a journey retrying) is idempotent, not a new candidate.
    if (seen(key) || state.pending.some((c) => c.id === candidate.id)) return;
    remember(key);
    admitCandidate(candidate);
  };

  for (const message of messages) {
    state.stats.messagesProcessed += 1;
    switch (message.kind) {
      case 'event': {
        const { event } = message;
        state.stats.events += 1;
        if (event.userId !== state.userId) {
          warnings.push(`event ${event.id} is for another user; ignored`);
          break;
        }
        const key = `event:${event.id}`;
        if (seen(key)) {
          state.stats.duplicateEvents += 1;
          break;
        }
        remember(key);
        // The API's match (under its catalog version) when given; else the workflow's rules (older signals).
        const candidates = event.candidates ?? candidatesFromEvent(event, [...triggers], now, config);
        for (const candidate of candidates) {
          const problem = candidateProblem(candidate, state.userId);
          if (problem) warnings.push(`candidate ${String(candidate.id)} ${problem}; ignored`);
          else admitCandidate(candidate);
        }
        if (journeys !== undefined) {
          const deps = hostDeps(journeys);
          onEvent(state, event, deps);
          for (const journey of event.enroll ?? []) {
            enroll(state, { journey, source: 'event', at: now, data: event.properties }, now, deps);
          }
        }
        break;
      }
      case 'candidate':
        proposeCandidate(message.candidate);
        break;
      case 'candidates':
        for (const candidate of message.proposal.candidates) proposeCandidate(candidate);
        break;
      case 'profile': {
        const before = state.profile;
        const problem = changeProfile(state, message.change);
        if (problem) warnings.push(`profile change ignored: ${problem}`);
        else if (journeys !== undefined) onProfile(state, before, hostDeps(journeys));
        break;
      }
      case 'preferences': {
        const result = changePreferences(state, message.change, now, config);
        if (result.kind === 'invalid' || result.kind === 'stale') {
          warnings.push(`preference change ignored: ${result.why}`);
        }
        onPreferences(state);
        break;
      }
      case 'notification': {
        const { event } = message;
        if (!isReceipt(event)) {
          warnings.push('notification event with an unknown type or invalid time; ignored');
          break;
        }
        const receipt = { type: event.type, at: notInFuture(event.at, now) };
        // A receipt for a send no longer kept (or never made) still counts as engagement below.
        const i = state.sends.findIndex((s) => s.candidateId === event.notificationId);
        if (i >= 0) state.sends[i] = withReceipt(nth(state.sends, i), receipt);
        if (event.type !== 'delivered') engage(state, receipt.at);
        break;
      }
      case 'appOpened':
        if (!Number.isFinite(message.at)) {
          warnings.push('app opened with an invalid time; ignored');
          break;
        }
        // With the stored aggregate, which already counts this session: adopt it rather than count the session twice.
        if (message.sessions !== undefined) applySessions(state, message.sessions);
        else engage(state, notInFuture(message.at, now));
        break;
      case 'devicesChanged':
        // Nothing to store: channel availability lives with the endpoints; the loop re-plans after every message.
        break;
      case 'withdraw':
        withdraw(state, message.withdraw, now);
        break;
      case 'enroll':
        if (journeys === undefined) warnings.push('enrollment without journeys hosted; ignored');
        else enroll(state, { ...message.request, at: now }, now, hostDeps(journeys));
        break;
      case 'journey': {
        if (journeys === undefined) break;
        const candidate = onReport(state, message.report, now, hostDeps(journeys));
        if (candidate !== null) proposeCandidate(candidate);
        break;
      }
    }
  }
  const ids = Object.keys(seenIds);
  for (const id of ids.slice(0, Math.max(0, ids.length - SEEN_IDS_CAP))) delete seenIds[id];
  boundPending(state, now, config);
  return { warnings };
}

/** Ends the pending candidates of one source `cancelled` (a cancelled campaign, an exited journey run). */
export function withdraw(state: UserState, { source, sourceId }: WithdrawCandidates, now: EpochMs): void {
  for (const candidate of state.pending.filter((c) => c.source === source && c.sourceId === sourceId)) {
    decide(
      state,
      {
        candidateId: candidate.id,
        category: candidate.category,
        outcome: { kind: 'suppressed', reason: 'cancelled', at: now, detail: `withdrawn by ${source} ${sourceId}` },
      },
      now,
    );
  }
}

/** The ids seen within EVENT_ID_MEMORY_MS of `now` (insertion order is age order: an id is added once). */
function forgetOldIds(seenIds: Record<string, EpochMs>, now: EpochMs): Record<string, EpochMs> {
  const kept: Record<string, EpochMs> = {};
  for (const [id, at] of Object.entries(seenIds)) if (now - at < EVENT_ID_MEMORY_MS) kept[id] = at;
  return kept;
}

/**
 * A client-reported time, unless it is further ahead of the workflow clock than a little skew: then now. A receipt
 * dated years ahead would otherwise decay every engagement count to nothing and keep the user "engaged" for years.
 */
function notInFuture(at: EpochMs, now: EpochMs): EpochMs {
  return at > now + MAX_CLOCK_SKEW_MS ? now : at;
}

/**
 * Keeps at most MAX_PENDING candidates waiting: the least valuable non-critical ones end `low_score` (the one that
 * would be held longest for the least), and only a queue of critical candidates alone loses its oldest, as
 * `rate_limited` (far more than the hourly ceiling could ever send).
 */
function boundPending(state: UserState, now: EpochMs, config: PolicyConfig): void {
  const excess = state.pending.length - MAX_PENDING;
  if (excess <= 0) return;
  const scores = planningScores(state, now, config);
  const scoreOf = (c: Candidate): Score => present(scores[c.id], 'the score of a pending candidate');
  const rank = (c: Candidate) => PRIORITY_RANK[categoryPolicy(config, c.category).priorityClass];
  // Who leaves first: the least important class, then the lowest expected value, then the oldest.
  const evicted = [...state.pending]
    .sort(
      (a, b) =>
        rank(b) - rank(a) ||
        (rank(a) === PRIORITY_RANK.critical ? 0 : scoreOf(a).expectedValue - scoreOf(b).expectedValue) ||
        a.createdAt - b.createdAt ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, excess);
  for (const candidate of evicted) {
    const critical = rank(candidate) === PRIORITY_RANK.critical;
    decide(
      state,
      {
        candidateId: candidate.id,
        category: candidate.category,
        outcome: {
          kind: 'suppressed',
          reason: critical ? 'rate_limited' : 'low_score',
          at: now,
          detail: critical
            ? `queue full: more than ${MAX_PENDING} critical notifications waiting`
            : `queue full (${MAX_PENDING} waiting): lowest expected value ${scoreOf(candidate).expectedValue.toFixed(3)}`,
        },
      },
      now,
    );
  }
}

/**
 * Applies the settings stored before this workflow ran (loaded once per workflow lifetime, before the first inbox
 * message, and again when a send found them changed), as a profile and a preference change: invalid stored values
 * are reported and the defaults kept. Sends earlier runs made (with a fresh run's load) join the known sends.
 */
export function applyStoredSettings(
  state: UserState,
  stored: StoredUserSettings & { recentSends?: SendRecord[] },
  now: EpochMs,
  config: PolicyConfig,
): ApplyResult {
  const warnings: string[] = [];
  if (stored.recentSends !== undefined) {
    const known = new Set(state.sends.map((s) => s.candidateId));
    state.sends = pruneSends(
      [...state.sends, ...stored.recentSends.filter((s) => !known.has(s.candidateId))],
      now,
      config,
    );
  }
  const profileProblem = stored.profile === null ? null : changeProfile(state, stored.profile);
  if (profileProblem) warnings.push(`stored profile ignored: ${profileProblem}`);
  if (stored.preferences !== null) {
    const change: PreferencesChange =
      stored.preferencesVersion === undefined
        ? stored.preferences
        : { ...stored.preferences, version: stored.preferencesVersion };
    const result = changePreferences(state, change, now, config);
    // A stored read no newer than a signal already applied is expected (the signal reported that very write).
    if (result.kind === 'invalid') warnings.push(`stored preferences ignored: ${result.why}`);
  }
  return { warnings };
}

/** Returns what is wrong with the change (leaving the profile as it was), or null once applied. */
function changeProfile(state: UserState, change: Partial<UserProfile>): string | null {
  const { timeZone, locale } = change;
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) return 'invalid time zone';
  if (timeZone !== undefined && timeZone !== state.profile.timeZone) state.modelScores = {};
  state.profile = {
    timeZone: timeZone ?? state.profile.timeZone,
    locale: typeof locale === 'string' && locale.length > 0 ? locale : state.profile.locale,
  };
  return null;
}

/** `current`: the change carries the version already applied (e.g. the very write a settings load just read). */
type PreferencesChangeResult = { kind: 'applied' | 'current' } | { kind: 'invalid' | 'stale'; why: string };

/**
 * Merges the change into the preferences, unless it is invalid or older than the version already applied (then the
 * preferences stay as they were). A change without a version is always newer: it keeps the last version applied.
 */
function changePreferences(
  state: UserState,
  { version, ...change }: PreferencesChange,
  now: EpochMs,
  config: PolicyConfig,
): PreferencesChangeResult {
  const problem = preferencesProblem(change) ?? (version === undefined ? null : versionProblem(version));
  if (problem) return { kind: 'invalid', why: problem };
  if (version !== undefined && state.preferencesVersion !== undefined && version <= state.preferencesVersion) {
    if (version === state.preferencesVersion) return { kind: 'current' };
    return { kind: 'stale', why: `version ${version} is older than ${state.preferencesVersion}` };
  }
  if (version !== undefined) state.preferencesVersion = version;
  state.preferences = { ...state.preferences, ...definedOnly(change) };
  const before = state.pending;
  const { pending, drops } = dropOptedOut(plannerState(state), now, config);
  state.pending = pending;
  // With the dropped candidate, for its provenance (it is no longer pending).
  for (const drop of drops)
    decide(
      state,
      drop,
      now,
      before.find((c) => c.id === drop.candidateId),
    );
  return { kind: 'applied' };
}

function versionProblem(version: unknown): string | null {
  return Number.isSafeInteger(version) && (version as number) >= 0 ? null : 'version is not a whole number ≥ 0';
}

/**
 * Gives a candidate its final outcome at `now` and buffers the outcome for the decision log, with the candidate's
 * provenance (from `candidate`, else the pending candidate of that id) and the version in use.
 */
export function decide(state: UserState, decision: Decision, now: EpochMs, candidate?: Candidate): void {
  decision = described(state, decision, candidate ?? state.pending.find((c) => c.id === decision.candidateId));
  conclude(state, decision);
  state.unrecorded.push(decision);
  state.unrecordedSince ??= now;
}

/** A decision with its candidate's provenance and the version in use, unless it already carries them. */
export function described(state: UserState, decision: Decision, candidate: Candidate | undefined): Decision {
  return {
    ...decision,
    ...(decision.provenance === undefined && candidate !== undefined ? { provenance: provenanceOf(candidate) } : {}),
    ...(decision.configVersion === undefined && state.ruleSet !== undefined ? { configVersion: state.ruleSet.id } : {}),
  };
}

export function provenanceOf(candidate: Candidate): Provenance {
  return {
    source: candidate.source,
    ...(candidate.sourceId === undefined ? {} : { sourceId: candidate.sourceId }),
    ...(candidate.journey === undefined ? {} : { journey: candidate.journey }),
    template: candidate.template,
    ...(candidate.experiment === undefined ? {} : { experiment: candidate.experiment }),
    ...(candidate.variant === undefined ? {} : { variant: candidate.variant }),
  };
}

function refused(candidate: Candidate, at: EpochMs, detail: string): Decision {
  return {
    candidateId: candidate.id,
    category: candidate.category,
    outcome: { kind: 'suppressed', reason: 'cancelled', at, detail },
  };
}

/** Gives a candidate its final outcome (removing it from pending) without buffering it: it is already recorded. */
export function conclude(state: UserState, decision: Decision): void {
  // A journey's candidate: its run learns the outcome (workflows/journey-host.ts).
  if (
    decision.provenance?.source === 'journey' &&
    state.journeys?.active.some((r) => r.runId === decision.provenance?.sourceId)
  ) {
    state.journeys.decided.push(decision);
  }
  state.pending = state.pending.filter((c) => c.id !== decision.candidateId);
  delete state.modelScores[decision.candidateId];
  if (decision.outcome.kind === 'sent') state.stats.sent += 1;
  else state.stats.suppressed += 1;
  state.recentDecisions.push(decision);
  if (state.recentDecisions.length > RECENT_DECISIONS_CAP) {
    state.recentDecisions.splice(0, state.recentDecisions.length - RECENT_DECISIONS_CAP);
  }
}

/** Forgets the oldest `count` buffered decisions once the decision log has them. */
export function markRecorded(state: UserState, count: number): void {
  state.unrecorded.splice(0, count);
  if (state.unrecorded.length === 0) delete state.unrecordedSince;
}

/** Forgets sends no rule needs any more (admission memory is pruned by rememberAdmission). */
export function prune(state: UserState, now: EpochMs, config: PolicyConfig): void {
  state.sends = pruneSends(state.sends, now, config);
}

/** `fatigueWindowMs`: the run's (domain/scoring.ts FATIGUE_WINDOW_MS, or absent for runs from before it). */
export function scoringContext(state: UserState, now: EpochMs, fatigueWindowMs?: DurationMs): ScoringContext {
  const lastTen = state.sends.slice(-10);
  return {
    now,
    timeZone: state.profile.timeZone,
    hourOfWeek: engagementCounts(state),
    recentSends: state.sends,
    opensLast10: lastTen.filter((s) => s.openedAt !== undefined).length,
    ...(fatigueWindowMs === undefined ? {} : { fatigueWindowMs }),
  };
}

export type ScoreSource = 'model' | 'prior';

/**
 * Scores for planning: the model's (from the send activity's auction) while fresh, else the heuristic prior,
 * computed in-workflow because it is pure and costs no Temporal action.
 */
export function planningScores(
  state: UserState,
  now: EpochMs,
  config: PolicyConfig,
  fatigueWindowMs?: DurationMs,
): Record<string, Score & { source: ScoreSource }> {
  const ctx = scoringContext(state, now, fatigueWindowMs);
  const scores: Record<string, Score & { source: ScoreSource }> = {};
  for (const candidate of state.pending) {
    const model = state.modelScores[candidate.id];
    scores[candidate.id] =
      model && now - model.scoredAt <= MODEL_SCORE_TTL_MS
        ? { ...model.score, source: 'model' }
        : { ...heuristicScore(candidate, ctx, config), source: 'prior' };
  }
  return scores;
}

/** Pending candidates whose model score is missing or stale. */
export function needingModelScore(state: UserState, now: EpochMs): Candidate[] {
  return state.pending.filter((c) => {
    const model = state.modelScores[c.id];
    return !model || now - model.scoredAt > MODEL_SCORE_TTL_MS;
  });
}

function engage(state: UserState, at: EpochMs): void {
  const { counts, updatedAt } = state.engagement;
  state.engagement = {
    counts: recordEngagement(counts, at, state.profile.timeZone, undefined, updatedAt),
    updatedAt: updatedAt === undefined ? at : maxOf(updatedAt, at),
  };
  state.lastEngagementAt = state.lastEngagementAt === undefined ? at : maxOf(state.lastEngagementAt, at);
  // Engagement moves the user's best send time and adaptive status: model scores are out of date.
  state.modelScores = {};
}

function candidateProblem(candidate: Candidate, userId: string): string | null {
  if (typeof candidate.id !== 'string' || candidate.id.length === 0) return 'has no id';
  if (candidate.userId !== userId) return 'is for another user';
  if (typeof candidate.category !== 'string' || !CATEGORY_NAME.test(candidate.category)) return 'has no category';
  if (!Number.isFinite(candidate.expiresAt) || !Number.isFinite(candidate.createdAt)) return 'has invalid times';
  if (!(candidate.businessValue >= 0 && candidate.businessValue <= 1)) return 'has businessValue outside 0..1';
  return null;
}

/** Category names are data (the catalog's); their shape is fixed (domain/catalog-schema.ts). */
const CATEGORY_NAME = /^[a-z][a-z0-9_]{0,63}$/;

function isReceipt(event: NotificationEvent): boolean {
  return (
    typeof event.notificationId === 'string' &&
    (NOTIFICATION_EVENT_TYPES as readonly string[]).includes(event.type) &&
    Number.isFinite(event.at)
  );
}

function preferencesProblem(change: Partial<Preferences>): string | null {
  if (change.optedOutCategories?.some((c) => typeof c !== 'string' || !CATEGORY_NAME.test(c))) {
    return 'invalid category name';
  }
  if (change.optedOutChannels?.some((c) => !(CHANNELS as readonly string[]).includes(c))) return 'unknown channel';
  const q = change.quietHours;
  if (q && !(isMinuteOfDay(q.start) && isMinuteOfDay(q.end))) {
    return 'quiet hours outside 0..1439 minutes';
  }
  return null;
}

function definedOnly<T extends object>(change: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;
}
