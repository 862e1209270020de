// The budget auction (docs/product.md §4): given the state, the scored candidates and `now`, which candidate ends
// now (drops), and what to do next (send one now, wait until a time, or nothing).
//
// How a decision is made, in order, per pending candidate:
//  1. opted out (global opt-out spares critical; category opt-out covers every class) → drop `opted_out`;
//     no channel left after channel opt-outs → drop `no_channel`.
//  2. expired (now ≥ expiresAt) → drop `low_score` if it was being held for its score, else `expired`.
//     The outcome time is its expiresAt (it may be noticed at a later re-plan; no timer is spent on it).
//  2b. critical, and the user already got `criticalSendsPerHour` critical notifications in the last hour → drop
//     `rate_limited` at once (its TTL is short, and a flood must neither notify nor grow the history without end).
//  3. dormant user and businessValue below the dormant minimum → drop `daily_cap` (adaptive cap) at once.
//  4. the earliest time every rule allows (notBefore, quiet hours, cooldown, daily/adaptive/category caps) is
//     computed under the sends known now. If only the caps push it past its expiry → drop `daily_cap`/
//     `category_cap` at once: sends only accumulate, so waiting could not help (only an open lifting a
//     low-responder cap could, and we decide on what is known rather than on hope). If quiet hours, cooldown or notBefore do, it
//     stays pending (preferences may still change) and is dropped `expired` when it expires.
//  5. normal/promotional candidates scoring below the floor are held (kept until they expire → `low_score`).
//     Critical and transactional candidates are never held.
//  6. its send time is the earliest allowed time, moved to the predicted best send time when that is later and
//     still allowed before expiry; urgent classes (critical, transactional) skip send-time optimization.
// Then the auction: critical candidates are independent of every budget, so the earliest one due goes first;
// otherwise the winner is the highest class (transactional before normal/promotional), then the highest expected
// value, then the earliest time. The plan sends it if its time is now, else waits until the earlier of its time
// and the next critical candidate's time. While nothing is sendable but candidates wait to expire, it waits for
// the first expiry so every candidate gets its outcome without polling.
import { DEFAULT_POLICY, categoryPolicy, isBudgeted, isUrgent } from './config';
import type { PolicyConfig } from './config';
import { budgetLeftToday, cooldownUntil, criticalSendsLastHour, pruneSends } from './caps';
import { earliestAllowed, ruleContext } from './earliest';
import type { Constraint, Earliest, RuleContext } from './earliest';
import { allowedChannels, ineligibility } from './eligibility';
import { bestSlot, sendSlots, type SendSlot } from './send-time';
import { formatLocalTime } from './time';
import { PRIORITY_RANK } from './types';
import type {
  Candidate,
  Channel,
  Decision,
  EpochMs,
  HourOfWeekCounts,
  Preferences,
  Score,
  SendRecord,
  SuppressionReason,
  UserProfile,
} from './types';

export { budgetLeftToday, cooldownUntil, pruneSends };

export interface PlannerState {
  profile: UserProfile;
  preferences: Preferences;
  /** Admitted, undecided candidates. */
  pending: Candidate[];
  /** Sent notifications of every class (the rules count what applies to them), oldest first; prune with pruneSends. */
  sends: SendRecord[];
  /** Last app open or notification open. */
  lastEngagementAt?: EpochMs | undefined;
  /** First seen (new users are not dormant). */
  userSince: EpochMs;
  /**
   * The user's engagement by local hour of week (send-time model). When given, a candidate that cannot go before
   * its score's best send time has passed gets a best send time predicted from when it can first go.
   */
  engagement?: HourOfWeekCounts;
}

export type PlanAction =
  | { kind: 'send'; candidate: Candidate; channels: Channel[]; why: string }
  | { kind: 'wait'; until: EpochMs; candidateId: string; why: string }
  | { kind: 'idle'; why: string };

export interface Plan {
  drops: Decision[];
  action: PlanAction;
}

/** A candidate the rules allow at `at` (before it expires). */
interface Option {
  candidate: Candidate;
  at: EpochMs;
  expectedValue: number;
  classRank: number;
  channels: Channel[];
  why: string;
}

function drop(candidate: Candidate, reason: SuppressionReason, at: EpochMs, detail: string): Decision {
  return {
    candidateId: candidate.id,
    category: candidate.category,
    outcome: { kind: 'suppressed', reason, at, detail },
  };
}

/** A missing score (the workflow should score before planning) falls back to the business value, send now. */
function scoreOf(candidate: Candidate, scores: Readonly<Record<string, Score>>, now: EpochMs): Score {
  return scores[candidate.id] ?? { candidateId: candidate.id, expectedValue: candidate.businessValue, bestSendAt: now };
}

function isHeld(candidate: Candidate, score: Score, config: PolicyConfig): boolean {
  return (
    isBudgeted(categoryPolicy(config, candidate.category).priorityClass) && score.expectedValue < config.scoreFloor
  );
}

function adaptiveLabel(lowResponder: boolean): string {
  return lowResponder ? ' (low responder)' : '';
}

export function explainConstraint(constraint: Constraint, candidate: Candidate, timeZone: string): string {
  const when = Number.isFinite(constraint.until) ? formatLocalTime(constraint.until, timeZone) : 'never';
  switch (constraint.kind) {
    case 'not_before':
      return `not before ${when}`;
    case 'quiet_hours':
      return `quiet hours end at ${when}`;
    case 'cooldown':
      return `cooldown until ${when}`;
    case 'daily_cap':
      return `daily cap ${constraint.cap}${adaptiveLabel(constraint.lowResponder)} reached; next local day starts ${when}`;
    case 'category_cap':
      return `${candidate.category} cap ${constraint.cap}/7 days reached until ${when}`;
    case 'dormant_cap':
      return `dormant user: ${constraint.cap}/week reached until ${when}`;
  }
}

function capDetail(reason: 'daily_cap' | 'category_cap', candidate: Candidate, ctx: RuleContext): string {
  if (reason === 'category_cap') {
    return `${candidate.category} cap ${categoryPolicy(ctx.config, candidate.category).weeklyCap}/7 days leaves no slot before expiry`;
  }
  const { dormant, dailyCap, lowResponder } = ctx.status;
  const daily = `daily cap ${dailyCap}${adaptiveLabel(lowResponder)}`;
  return dormant === null
    ? `${daily} leaves no slot before expiry`
    : `${daily} or dormant ${dormant.weeklyCap}/week leaves no slot before expiry`;
}

function byAuctionOrder(a: Option, b: Option): number {
  return (
    a.classRank - b.classRank ||
    b.expectedValue - a.expectedValue ||
    a.at - b.at ||
    a.candidate.createdAt - b.candidate.createdAt ||
    (a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0)
  );
}

function byExpiry(a: Candidate, b: Candidate): number {
  return a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Re-plans from scratch. Deterministic: same input → same output. */
export function plan(
  state: PlannerState,
  scores: Readonly<Record<string, Score>>,
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): Plan {
  const ctx = ruleContext(state, now, config);
  const tz = state.profile.timeZone;
  const drops: Decision[] = [];
  const options: Option[] = [];
  const waitingToExpire: { candidate: Candidate; why: string }[] = [];
  const criticalLastHour = criticalSendsLastHour(state.sends, now, config);
  // Candidates pushed to the same instant (the end of quiet hours, the next local day) share its send slots.
  const { engagement } = state;
  const slots = new Map<EpochMs, SendSlot[]>();
  const slotsFrom =
    engagement === undefined
      ? undefined
      : (from: EpochMs): SendSlot[] => {
          let found = slots.get(from);
          if (found === undefined) {
            found = sendSlots(engagement, from, tz);
            slots.set(from, found);
          }
          return found;
        };

  for (const candidate of state.pending) {
    const notAllowed = ineligibility(candidate, state.preferences, config);
    if (notAllowed !== null) {
      drops.push(drop(candidate, notAllowed.reason, now, notAllowed.detail));
      continue;
    }
    const score = scoreOf(candidate, scores, now);
    const held = isHeld(candidate, score, config);
    if (candidate.expiresAt <= now) {
      drops.push(
        held
          ? drop(
              candidate,
              'low_score',
              candidate.expiresAt,
              `expected value ${score.expectedValue.toFixed(3)} < floor`,
            )
          : drop(candidate, 'expired', candidate.expiresAt, 'not sendable before its expiry'),
      );
      continue;
    }
    const policy = categoryPolicy(config, candidate.category);
    if (policy.priorityClass === 'critical' && criticalLastHour >= config.criticalSendsPerHour) {
      drops.push(
        drop(candidate, 'rate_limited', now, `${config.criticalSendsPerHour} critical notifications in the last hour`),
      );
      continue;
    }
    const { dormant } = ctx.status;
    if (dormant !== null && isBudgeted(policy.priorityClass) && candidate.businessValue < dormant.minBusinessValue) {
      drops.push(
        drop(candidate, 'daily_cap', now, `dormant user: only businessValue ≥ ${dormant.minBusinessValue} is sent`),
      );
      continue;
    }
    const earliest = earliestAllowed(candidate, ctx, now);
    if (earliest.at === Infinity) {
      if (earliest.firstCap !== null && earliestAllowed(candidate, ctx, now, { caps: false }).at !== Infinity) {
        drops.push(drop(candidate, earliest.firstCap, now, capDetail(earliest.firstCap, candidate, ctx)));
      } else {
        const blocking = earliest.binding === null ? 'rules' : explainConstraint(earliest.binding, candidate, tz);
        waitingToExpire.push({ candidate, why: `cannot go before it expires (${blocking})` });
      }
      continue;
    }
    if (held) {
      waitingToExpire.push({
        candidate,
        why: `held: expected value ${score.expectedValue.toFixed(3)} below floor ${config.scoreFloor}`,
      });
      continue;
    }
    let at = earliest.at;
    let why = earliest.binding === null ? 'allowed now' : explainConstraint(earliest.binding, candidate, tz);
    const bestAt = isUrgent(policy.priorityClass) ? at : preferredSendAt(candidate, score, earliest, slotsFrom);
    if (bestAt > at) {
      const atBest = earliestAllowed(candidate, ctx, bestAt);
      if (atBest.at !== Infinity) {
        at = atBest.at;
        why =
          atBest.binding === null
            ? `best send time ${formatLocalTime(at, tz)}`
            : explainConstraint(atBest.binding, candidate, tz);
      }
    }
    options.push({
      candidate,
      at,
      expectedValue: score.expectedValue,
      classRank: PRIORITY_RANK[policy.priorityClass],
      channels: allowedChannels(candidate.category, state.preferences, config),
      why,
    });
  }

  return { drops, action: chooseAction(options, waitingToExpire, now, tz) };
}

/**
 * When the candidate should go, given that the rules allow it from `earliest.at`: its score's best send time, or,
 * when a rule (caps, cooldown, quiet hours, notBefore) pushed it past that time (the score looks 24 h ahead of now),
 * the best time in the 24 h after `earliest.at` and before expiry under the user's engagement. Otherwise a candidate
 * held back overnight would be planned for the end of quiet hours, only to be moved to that day's best time once
 * re-scored there: two wake-ups instead of one, and a morning send in between.
 */
function preferredSendAt(
  candidate: Candidate,
  score: Score,
  earliest: Earliest,
  slotsFrom: ((from: EpochMs) => SendSlot[]) | undefined,
): EpochMs {
  if (score.bestSendAt >= earliest.at || earliest.binding === null || slotsFrom === undefined) return score.bestSendAt;
  return bestSlot(slotsFrom(earliest.at), candidate.expiresAt).at;
}

function chooseAction(
  options: Option[],
  waitingToExpire: { candidate: Candidate; why: string }[],
  now: EpochMs,
  tz: string,
): PlanAction {
  const critical = options
    .filter((o) => o.classRank === PRIORITY_RANK.critical)
    .sort((a, b) => a.at - b.at || byAuctionOrder(a, b))[0];
  if (critical !== undefined && critical.at <= now)
    return sendAction(critical, 'critical: bypasses caps and quiet hours');
  const best = options.filter((o) => o.classRank !== PRIORITY_RANK.critical).sort(byAuctionOrder)[0];
  if (best !== undefined && best.at <= now) {
    return sendAction(
      best,
      `${best.why}; highest expected value ${best.expectedValue.toFixed(3)} of ${options.length}`,
    );
  }
  const next = [best, critical]
    .filter((o): o is Option => o !== undefined)
    .sort((a, b) => a.at - b.at || a.classRank - b.classRank)[0];
  if (next !== undefined) {
    return {
      kind: 'wait',
      until: next.at,
      candidateId: next.candidate.id,
      why: `${next.why} (${formatLocalTime(next.at, tz)})`,
    };
  }
  const expiring = [...waitingToExpire].sort((a, b) => byExpiry(a.candidate, b.candidate))[0];
  if (expiring !== undefined) {
    return { kind: 'wait', until: expiring.candidate.expiresAt, candidateId: expiring.candidate.id, why: expiring.why };
  }
  return { kind: 'idle', why: 'no pending candidates' };
}

function sendAction(option: Option, why: string): PlanAction {
  return { kind: 'send', candidate: option.candidate, channels: option.channels, why };
}

/**
 * What admission remembers: a candidate's dedupeKey → when it was admitted, and `id:<candidate id>` → when it was
 * admitted (so a replayed candidate is a duplicate even after it was decided). Maintain it with rememberAdmission.
 */
export type DedupeKeys = Record<string, EpochMs>;

const ID_PREFIX = 'id:';
/**
 * The most entries admission remembers, ids and dedupeKeys together (the oldest go first): the memory is workflow
 * state, and a flood within the dedupe window must not grow it without end.
 */
export const MAX_ADMISSION_MEMORY = 2_000;

/** How long an admitted candidate id is remembered: long enough to outlive any candidate's TTL. */
function idMemoryMs(config: PolicyConfig): number {
  return Math.max(config.dedupeWindowMs, ...Object.values(config.categories).map((c) => c.ttlMs));
}

/**
 * Admission of a new candidate: a suppression Decision (`duplicate` by id or by dedupeKey within the window,
 * `opted_out`, `no_channel`, `expired`), or null when admitted. Then record the result with rememberAdmission.
 */
export function admit(
  state: PlannerState & { dedupeKeys: DedupeKeys },
  candidate: Candidate,
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): Decision | null {
  const idSeenAt = state.dedupeKeys[ID_PREFIX + candidate.id];
  if (
    (idSeenAt !== undefined && now - idSeenAt < idMemoryMs(config)) ||
    state.pending.some((c) => c.id === candidate.id) ||
    state.sends.some((s) => s.candidateId === candidate.id)
  ) {
    return drop(candidate, 'duplicate', now, 'same candidate id already admitted');
  }
  if (candidate.dedupeKey !== undefined) {
    const seenAt = state.dedupeKeys[candidate.dedupeKey];
    if (seenAt !== undefined && now - seenAt < config.dedupeWindowMs) {
      return drop(candidate, 'duplicate', now, 'same dedupeKey within the dedupe window');
    }
  }
  const notAllowed = ineligibility(candidate, state.preferences, config);
  if (notAllowed !== null) return drop(candidate, notAllowed.reason, now, notAllowed.detail);
  if (candidate.expiresAt <= now) return drop(candidate, 'expired', now, 'expired before admission');
  return null;
}

/**
 * Updates what admission remembers after `admit` returned `suppression` for `candidate`: its id (unless it was
 * itself a duplicate: a stream of duplicates must not extend the memory), its dedupeKey only when admitted, and
 * forgets entries no rule needs any more, then the oldest beyond MAX_ADMISSION_MEMORY. Call it for every candidate
 * passed to admit. Updates `dedupeKeys` in place and returns it: copying a memory of thousands of keys on every
 * admission made a burst of events cost seconds of workflow-task time.
 */
export function rememberAdmission(
  dedupeKeys: DedupeKeys,
  candidate: Candidate,
  suppression: Decision | null,
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): DedupeKeys {
  const idMemory = idMemoryMs(config);
  for (const key in dedupeKeys) {
    if (now - dedupeKeys[key]! >= (key.startsWith(ID_PREFIX) ? idMemory : config.dedupeWindowMs)) {
      delete dedupeKeys[key];
    }
  }
  const duplicate = suppression?.outcome.kind === 'suppressed' && suppression.outcome.reason === 'duplicate';
  if (!duplicate) dedupeKeys[ID_PREFIX + candidate.id] = now;
  if (suppression === null && candidate.dedupeKey !== undefined) dedupeKeys[candidate.dedupeKey] = now;
  const keys = Object.keys(dedupeKeys);
  if (keys.length > MAX_ADMISSION_MEMORY) {
    const oldest = keys.sort((a, b) => dedupeKeys[a]! - dedupeKeys[b]!).slice(0, keys.length - MAX_ADMISSION_MEMORY);
    for (const key of oldest) delete dedupeKeys[key];
  }
  return dedupeKeys;
}

/** Drops what rules no longer allow after a preference change (opt-outs take effect immediately). */
export function dropOptedOut(
  state: PlannerState,
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): { pending: Candidate[]; drops: Decision[] } {
  const pending: Candidate[] = [];
  const drops: Decision[] = [];
  for (const candidate of state.pending) {
    const notAllowed = ineligibility(candidate, state.preferences, config);
    if (notAllowed === null) pending.push(candidate);
    else drops.push(drop(candidate, notAllowed.reason, now, notAllowed.detail));
  }
  return { pending, drops };
}
