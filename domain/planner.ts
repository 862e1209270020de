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
//  6. urgent classes (critical, transactional) go at their earliest allowed time. Normal and promotional ones are
//     placed together by the day plan (domain/day-plan.ts): the value-maximizing assignment of candidates to the
//     next 24 h's slots under the daily allowances, cooldown, category caps, quiet hours and each one's window;
//     only its first send matters now (PlanMode `per_candidate` instead times each at its own best time, for
//     workflows whose histories were made that way).
// Then the auction: critical candidates are independent of every budget, so the earliest one due goes first;
// otherwise the winner is the highest class (transactional before normal/promotional), then the highest expected
// value, then the earliest time (with the day plan there is one normal/promotional option, its first send). The
// plan sends it if its time is now, else waits until the earlier of its time and the next critical candidate's time. While nothing is sendable but candidates wait to expire, it waits for
// the first expiry so every candidate gets its outcome without polling.
import { DEFAULT_POLICY, WEEK_MS, categoryPolicy, isBudgeted, isUrgent } from './config';
import type { PolicyConfig } from './config';
import { budgetLeftToday, cooldownUntil, criticalSendsLastHour, pruneSends } from './caps';
import { planDay } from './day-plan';
import type { PlanItem, PlanSlot } from './day-plan';
import { earliestAllowed, ruleContext } from './earliest';
import { effectiveQuietHours, minuteInWindow } from './quiet-hours';
import type { Constraint, Earliest, RuleContext } from './earliest';
import { allowedChannels, ineligibility } from './eligibility';
import type { Ineligibility } from './eligibility';
import { HOURS_PER_WEEK, MIN_LIFT_GAIN_TO_WAIT, bestSlot, sendSlots, smoothedPropensity } from './send-time';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  formatLocalTime,
  localClock,
  startOfLocalDay,
  startOfNextLocalDay,
  type LocalClock,
} from './time';
import { nth } from './present';
import { ScratchArrays, f64 } from './typed-arrays';
import { PRIORITY_RANK } from './types';
import type {
  Candidate,
  Category,
  CategoryPolicy,
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
import { addMs, epochMs, maxOf, NEVER, subMs } from './units';

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

/** `ineligibility`, computed once per user and category: it depends on a candidate only through those and its variant. */
function memoizedIneligibility(
  preferences: Preferences,
  config: PolicyConfig,
): (candidate: Candidate) => Ineligibility | null {
  const eligibility = new Map<string, Map<Category, Ineligibility | null>>();
  // A user's queue holds that user's candidates: the last user's answers are usually the ones asked for.
  let lastUser: string | undefined;
  let lastByCategory = new Map<Category, Ineligibility | null>();
  return (candidate) => {
    if (candidate.variant !== undefined) return ineligibility(candidate, preferences, config);
    let byCategory = candidate.userId === lastUser ? lastByCategory : eligibility.get(candidate.userId);
    if (byCategory === undefined) {
      byCategory = new Map();
      eligibility.set(candidate.userId, byCategory);
    }
    lastUser = candidate.userId;
    lastByCategory = byCategory;
    let found = byCategory.get(candidate.category);
    if (found === undefined) {
      found = ineligibility(candidate, preferences, config);
      byCategory.set(candidate.category, found);
    }
    return found;
  };
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

function isHeld(policy: CategoryPolicy, score: Score, config: PolicyConfig): boolean {
  return isBudgeted(policy.priorityClass) && score.expectedValue < config.scoreFloor;
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

/**
 * Budgeted candidates sorted by expiry, then id (as byExpiry; stable), by a bottom-up merge sort comparing inline:
 * the same order as Array.prototype.sort with byExpiry, without a comparator call per comparison, which made sorting
 * a long queue a tenth of a re-plan (and without the quadratic moves of the binary insertion that replaced it).
 */
function sortByExpiry(budgeted: readonly Budgeted[]): Budgeted[] {
  const count = budgeted.length;
  let from = budgeted.slice();
  let to = budgeted.slice();
  for (let width = 1; width < count; width *= 2) {
    for (let lo = 0; lo < count; lo += 2 * width) {
      const mid = Math.min(lo + width, count);
      const hi = Math.min(lo + 2 * width, count);
      let left = lo;
      let right = mid;
      let out = lo;
      while (left < mid && right < hi) {
        const l = entryAt(from, left);
        const r = entryAt(from, right);
        const d = r.candidate.expiresAt - l.candidate.expiresAt;
        // The right one goes first only when it comes strictly before (stability); equal or both infinite
        // expiries tie, and go by id.
        if (d < 0 || (!(d > 0) && r.candidate.id < l.candidate.id)) {
          to[out++] = r;
          right++;
        } else {
          to[out++] = l;
          left++;
        }
      }
      while (left < mid) to[out++] = entryAt(from, left++);
      while (right < hi) to[out++] = entryAt(from, right++);
    }
    [from, to] = [to, from];
  }
  return from;
}

/** budgeted[n], inside the bounds the caller's loop sets (a checked read of its own, kept monomorphic: see nth()). */
function entryAt(budgeted: readonly Budgeted[], n: number): Budgeted {
  const entry = budgeted[n];
  if (entry === undefined) throw new RangeError(`index ${n} is outside 0..${budgeted.length - 1}`);
  return entry;
}

/**
 * How budgeted candidates are timed: `day` plans the horizon (the default) within DAY_PLAN_MAX_STATES search
 * states; `day_exact` is the same plan without that limit, and `per_candidate` times each one at its own best time
 * and auctions them by expected value, as before the day plan: each for workflows whose histories were made that
 * way (they replay it until their next run; see workflows/user-workflow.ts).
 */
export type PlanMode = 'day' | 'day_exact' | 'per_candidate';

/**
 * The day plan's search budget per re-plan. The default policy's plans stay far below it (the same plans as
 * without it); a daily cap of 5 with a short cooldown and 100 pending needed tens of millions of states.
 */
export const DAY_PLAN_MAX_STATES = 100_000;

/** What one re-plan knows of a category, whatever the candidate. */
interface CategoryMemo {
  policy: CategoryPolicy;
  /** Its channels under the user's channel opt-outs, once a candidate of it needs them. */
  channels: Channel[] | undefined;
  /**
   * The rules' answer for a candidate of the category by its notBefore, searched with no expiry: the candidate's own
   * answer whenever it comes before the candidate's expiry (the search never reached that bound).
   */
  unbounded: Map<EpochMs | undefined, Earliest>;
}

/** Re-plans from scratch. Deterministic: same input → same output. */
export function plan(
  state: PlannerState,
  scores: Readonly<Record<string, Score>>,
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
  mode: PlanMode = 'day',
): Plan {
  const ctx = ruleContext(state, now, config);
  const tz = state.profile.timeZone;
  const drops: Decision[] = [];
  const options: Option[] = [];
  const budgeted: Budgeted[] = [];
  const waitingToExpire: WaitingToExpire[] = [];
  const criticalLastHour = criticalSendsLastHour(state.sends, now, config);
  // What depends on a candidate only through its category, looked up once per candidate (see CategoryMemo). The
  // rules' answer depends on it only through its category, notBefore and expiry (where the search stops): when the
  // answer searched without expiry comes after the candidate's expiry, it is searched again with it.
  const categories = new Map<Category, CategoryMemo>();
  const categoryMemo = (category: Category): CategoryMemo => {
    let memo = categories.get(category);
    if (memo === undefined) {
      memo = { policy: categoryPolicy(config, category), channels: undefined, unbounded: new Map() };
      categories.set(category, memo);
    }
    return memo;
  };
  const earliestNow = (candidate: Candidate, memo: CategoryMemo): Earliest => {
    let found = memo.unbounded.get(candidate.notBefore);
    if (found === undefined) {
      found = earliestAllowed({ ...candidate, expiresAt: NEVER }, ctx, now);
      memo.unbounded.set(candidate.notBefore, found);
    }
    return found.at < candidate.expiresAt ? found : earliestAllowed(candidate, ctx, now);
  };

  const ineligibilityOf = memoizedIneligibility(state.preferences, config);

  for (const candidate of state.pending) {
    const notAllowed = ineligibilityOf(candidate);
    if (notAllowed !== null) {
      drops.push(drop(candidate, notAllowed.reason, now, notAllowed.detail));
      continue;
    }
    const score = scoreOf(candidate, scores, now);
    const memo = categoryMemo(candidate.category);
    const { policy } = memo;
    const held = isHeld(policy, score, config);
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
    const earliest = earliestNow(candidate, memo);
    if (earliest.at === Infinity) {
      if (earliest.firstCap !== null && earliestAllowed(candidate, ctx, now, { caps: false }).at !== Infinity) {
        drops.push(drop(candidate, earliest.firstCap, now, capDetail(earliest.firstCap, candidate, ctx)));
      } else {
        const { binding } = earliest;
        waitingToExpire.push({
          candidate,
          why: () =>
            `cannot go before it expires (${binding === null ? 'rules' : explainConstraint(binding, candidate, tz)})`,
        });
      }
      continue;
    }
    if (held) {
      waitingToExpire.push({
        candidate,
        why: () => `held: expected value ${score.expectedValue.toFixed(3)} below floor ${config.scoreFloor}`,
      });
      continue;
    }
    memo.channels ??= allowedChannels(candidate.category, state.preferences, config);
    const { channels } = memo;
    if (isBudgeted(policy.priorityClass) && mode !== 'per_candidate') {
      budgeted.push({ candidate, score, earliest, channels });
      continue;
    }
    let at = earliest.at;
    let why = earliest.binding === null ? 'allowed now' : explainConstraint(earliest.binding, candidate, tz);
    if (!isUrgent(policy.priorityClass)) {
      const timed = perCandidateTime(candidate, score, earliest, ctx, state.engagement);
      if (timed !== null) ({ at, why } = timed);
    }
    options.push({
      candidate,
      at,
      expectedValue: score.expectedValue,
      classRank: PRIORITY_RANK[policy.priorityClass],
      channels,
      why,
    });
  }
  // In a canonical order, so the plan does not depend on the order candidates arrived in (ties included).
  const next = nextBudgetedSend(
    sortByExpiry(budgeted),
    ctx,
    state.engagement,
    now,
    mode === 'day' ? DAY_PLAN_MAX_STATES : undefined,
  );
  if (next !== null) options.push(next);

  return { drops, action: chooseAction(options, waitingToExpire, now, tz) };
}

/**
 * The per-candidate timing (PlanMode `per_candidate`): its score's best send time, or, when a rule pushed it past
 * that time, the best time in the 24 h after its earliest allowed time under the user's engagement, when the rules
 * allow it there; null to keep the earliest allowed time.
 */
function perCandidateTime(
  candidate: Candidate,
  score: Score,
  earliest: Earliest,
  ctx: RuleContext,
  engagement: HourOfWeekCounts | undefined,
): { at: EpochMs; why: string } | null {
  const bestAt =
    score.bestSendAt >= earliest.at || earliest.binding === null || engagement === undefined
      ? score.bestSendAt
      : bestSlot(sendSlots(engagement, earliest.at, ctx.timeZone), candidate.expiresAt).at;
  if (!(bestAt > earliest.at)) return null;
  const atBest = earliestAllowed(candidate, ctx, bestAt);
  if (atBest.at === Infinity) return null;
  return {
    at: atBest.at,
    why:
      atBest.binding === null
        ? `best send time ${formatLocalTime(atBest.at, ctx.timeZone)}`
        : explainConstraint(atBest.binding, candidate, ctx.timeZone),
  };
}

/** A normal or promotional candidate the rules allow from `earliest.at`, before its expiry. */
interface Budgeted {
  candidate: Candidate;
  score: Score;
  earliest: Earliest;
  channels: Channel[];
}

/**
 * Another slot is worth at most this much less than a candidate's own best time (while that time is ahead), and more
 * than the first-slot bonus: a model's chosen minute is kept unless the plan needs that slot for something else.
 */
const OWN_BEST_MARGIN = 2 * MIN_LIFT_GAIN_TO_WAIT;

/** How far ahead the day plan looks: the send-time curve's horizon (scores predict the best time within 24 h). */
export const PLAN_HORIZON_MS = DAY_MS;

/**
 * The first send of the day plan (domain/day-plan.ts) over the budgeted candidates, as an auction option; or, when
 * no plan fits the horizon, the candidate the rules allow first.
 *
 * Slots: now, every local hour start in the horizon, and each candidate's earliest allowed time. A candidate's
 * value at a slot is its expected value scaled by the slot's lift: with the user's engagement curve, by
 * √(lift at the slot / lift at its score's best time) (the prior's open probability grows with √lift), so the
 * score's own best time keeps its expected value; without a curve, it can go only at its score's best time (or
 * its earliest allowed time when that one is not allowed), at its expected value. The first slot a candidate can
 * take counts MIN_LIFT_GAIN_TO_WAIT more, so waiting must buy a real gain.
 */
function nextBudgetedSend(
  budgeted: readonly Budgeted[],
  ctx: RuleContext,
  engagement: HourOfWeekCounts | undefined,
  now: EpochMs,
  maxStates: number | undefined,
): Option | null {
  if (budgeted.length === 0) return null;
  const tz = ctx.timeZone;
  const horizonEnd = addMs(now, PLAN_HORIZON_MS);
  // Scores' best times and the horizon's slots fall within a day of now.
  const clock = localClock(tz, subMs(now, DAY_MS), addMs(horizonEnd, DAY_MS));
  const sqrtLift = engagement === undefined ? null : sqrtLiftAt(engagement, clock);
  const count = budgeted.length;
  const hours: EpochMs[] = [];
  if (sqrtLift !== null) {
    for (let at = nextLocalHour(now, clock); at < horizonEnd; at = nextLocalHour(at, clock)) hours.push(at);
  }
  // Candidate times: now, the hours, each candidate's preferred time and (a model may pick any minute) its score's
  // own best time while that one is ahead (NaN: none).
  scratchArrays.reset();
  const times = scratchArrays.f64(1 + hours.length + 2 * count);
  times[0] = now;
  times.set(hours, 1);
  let timeCount = 1 + hours.length;
  const preferred: Earliest[] = [];
  const preferredAtMs = scratchArrays.f64(count);
  const ownBest = scratchArrays.f64(count);
  let n = 0;
  // Most candidates share their preferred time (now, or the end of the cooldown): a repeat of the last one is
  // not added again (the slots are the distinct times), which keeps the sort short.
  let lastPreferred = NaN;
  for (const b of budgeted) {
    const p = sqrtLift === null ? preferredAt(b, ctx) : b.earliest;
    preferred.push(p);
    preferredAtMs[n] = p.at;
    if (p.at < horizonEnd && p.at !== lastPreferred) {
      times[timeCount++] = p.at;
      lastPreferred = p.at;
    }
    const own = b.score.bestSendAt;
    if (sqrtLift !== null && own >= p.at && own < Math.min(b.candidate.expiresAt, horizonEnd)) {
      ownBest[n] = own;
      times[timeCount++] = own;
    } else {
      ownBest[n] = NaN;
    }
    n++;
  }
  let dayStart = startOfNextLocalDay(now, tz);
  const dayStarts = [dayStart];
  while (dayStart < horizonEnd) {
    dayStart = startOfNextLocalDay(dayStart, tz);
    dayStarts.push(dayStart);
  }
  const quiet = effectiveQuietHours(ctx.prefs, ctx.config);
  // Distinct times outside quiet hours, ascending (a typed array sorts numbers without a comparator).
  const ascending = times.subarray(0, timeCount).sort();
  const slots: PlanSlot[] = [];
  const slotAt = scratchArrays.f64(timeCount);
  const slotFactor = scratchArrays.f64(timeCount);
  let previous = NaN;
  let day = 0;
  let nextDayStart = nth(dayStarts, 0);
  for (const time of ascending) {
    if (time === previous) continue;
    previous = time;
    const at = epochMs(time); // a typed array holds plain numbers
    if (quiet !== null && minuteInWindow(clock.minuteOfDay(at), quiet)) continue;
    while (day < dayStarts.length && !(at < nextDayStart)) {
      day++;
      if (day < dayStarts.length) nextDayStart = nth(dayStarts, day);
    }
    const factor = sqrtLift === null ? 1 : sqrtLift(at);
    slotAt[slots.length] = at;
    slotFactor[slots.length] = factor;
    slots.push({ at, day: day < dayStarts.length ? day : -1, factor });
  }
  const slotCount = slots.length;
  const lastSlotAt = slotCount === 0 ? -Infinity : f64(slotAt, slotCount - 1);
  /** The first slot at or after `at` (a time as the slot table holds it). */
  const slotIndex = (at: number): number => {
    // Most expiries are past the horizon's last slot.
    if (at > lastSlotAt) return slotCount;
    let lo = 0;
    let hi = slotCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f64(slotAt, mid) < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const items: PlanItem[] = [];
  n = 0;
  // Most candidates share their preferred time: its slot is searched once per run of them.
  let fromAt = NaN;
  let fromSlot = 0;
  for (const { candidate, score } of budgeted) {
    const ev = score.expectedValue;
    const at = f64(preferredAtMs, n);
    if (at !== fromAt) {
      fromAt = at;
      fromSlot = slotIndex(at);
    }
    const from = fromSlot;
    if (sqrtLift === null) {
      // Without a curve, only its preferred time.
      items.push({
        category: candidate.category,
        base: ev,
        from,
        until: from + 1,
        peak: -1,
        peakValue: 0,
        ceiling: ev,
      });
    } else {
      // With one, any time from its earliest to its expiry, worth its expected value scaled by the slot's √lift
      // relative to its best time's; while its own best time is still ahead, that time stays its most valuable.
      const best = f64(ownBest, n);
      const peak = Number.isNaN(best) ? -1 : slotIndex(best);
      const reachable = peak >= 0 && peak < slotCount && f64(slotAt, peak) === best;
      // Its best time's √lift: that slot's factor when it is one (best is score.bestSendAt, not before now).
      const bestLift = reachable && best >= now ? f64(slotFactor, peak) : sqrtLift(maxOf(score.bestSendAt, now));
      items.push({
        category: candidate.category,
        base: ev / bestLift,
        from,
        until: slotIndex(candidate.expiresAt),
        peak: reachable ? peak : -1,
        peakValue: ev,
        ceiling: reachable ? ev * (1 - OWN_BEST_MARGIN) : Infinity,
      });
    }
    n++;
  }

  const { status } = ctx;
  const todayStart = startOfLocalDay(now, tz);
  let sentToday = 0;
  for (const t of ctx.budgetedSends) if (t >= todayStart) sentToday++;
  const dayAllowance = dayStarts.map((_, d) => Math.max(0, status.dailyCap - (d === 0 ? sentToday : 0)));
  let totalAllowance = Infinity;
  if (status.dormant !== null) {
    totalAllowance = Math.max(0, status.dormant.weeklyCap - ctx.budgetedSends.filter((t) => t > now - WEEK_MS).length);
  }
  const categoryAllowance = new Map<Category, number>();
  const seen = new Set<Category>();
  for (const b of budgeted) {
    const { category } = b.candidate;
    if (seen.has(category)) continue;
    seen.add(category);
    const { weeklyCap } = categoryPolicy(ctx.config, category);
    if (weeklyCap === null) continue;
    const inWindow = (ctx.categorySends.get(category) ?? []).filter((t) => t > now - WEEK_MS).length;
    // A window that opens within the horizon allows at least one (its candidates' earliest times say when).
    categoryAllowance.set(category, Math.max(1, weeklyCap - inWindow));
  }

  const planned = planDay({
    slots,
    items,
    dayAllowance,
    totalAllowance,
    categoryAllowance,
    cooldownMs: ctx.config.cooldownMs,
    firstSlotBonus: sqrtLift === null ? 0 : MIN_LIFT_GAIN_TO_WAIT,
    ...(maxStates === undefined ? {} : { maxStates }),
  });
  const first = planned[0];
  if (first === undefined) {
    // The candidate the rules allow first (ties: by expiry, then id).
    let soonest = 0;
    for (let m = 1; m < count; m++) {
      const d = f64(preferredAtMs, m) - f64(preferredAtMs, soonest);
      if (d < 0 || (d === 0 && byExpiry(entryAt(budgeted, m).candidate, entryAt(budgeted, soonest).candidate) < 0)) {
        soonest = m;
      }
    }
    const p = nth(preferred, soonest);
    return budgetedOption(entryAt(budgeted, soonest), p.at, p, tz);
  }
  return budgetedOption(entryAt(budgeted, first.item), nth(slots, first.slot).at, nth(preferred, first.item), tz);
}

function budgetedOption(b: Budgeted, at: EpochMs, preferred: Earliest, tz: string): Option {
  const binding = at === b.earliest.at ? b.earliest.binding : at === preferred.at ? preferred.binding : undefined;
  const why =
    binding === undefined
      ? `best send time ${formatLocalTime(at, tz)}`
      : binding === null
        ? at === b.earliest.at
          ? 'allowed now'
          : `best send time ${formatLocalTime(at, tz)}`
        : explainConstraint(binding, b.candidate, tz);
  return {
    candidate: b.candidate,
    at,
    expectedValue: b.score.expectedValue,
    classRank: PRIORITY_RANK.normal,
    channels: b.channels,
    why,
  };
}

/**
 * Without an engagement curve, a candidate goes at its score's best send time when the rules allow it there before
 * expiry, else at its earliest allowed time.
 */
function preferredAt(b: Budgeted, ctx: RuleContext): Earliest {
  if (!(b.score.bestSendAt > b.earliest.at)) return b.earliest;
  const atBest = earliestAllowed(b.candidate, ctx, b.score.bestSendAt);
  if (atBest.at === Infinity) return b.earliest;
  return atBest.binding === null ? { ...atBest, binding: null } : atBest;
}

/**
 * The square root of the lift of the local hour of an instant under the user's smoothed engagement (1 = an average
 * hour; the lift is clamped to 0.25..4).
 */
function sqrtLiftAt(engagement: HourOfWeekCounts, clock: LocalClock): (at: EpochMs) => number {
  const table = sqrtLiftTable(smoothedPropensity(engagement));
  // An instant with no hour of week (NaN) has no lift: NaN, as the arithmetic on it always gave.
  return (at) => table[clock.hourOfWeek(at)] ?? NaN;
}

/**
 * Per hour of week, √(clamped lift), derived only from the propensity array, which smoothedPropensity returns again
 * (the same object) while the counts are unchanged: a workflow re-plans many times between two engagements.
 */
const sqrtLiftTables = new WeakMap<readonly number[], Float64Array>();

function sqrtLiftTable(propensity: readonly number[]): Float64Array {
  let table = sqrtLiftTables.get(propensity);
  if (table === undefined) {
    table = new Float64Array(propensity.map((p) => Math.sqrt(Math.min(4, Math.max(0.25, p * HOURS_PER_WEEK)))));
    sqrtLiftTables.set(propensity, table);
  }
  return table;
}

/**
 * nextBudgetedSend's tables, reused across calls (as the day plan's: it runs synchronously, and writes every
 * element it reads first).
 */
const scratchArrays = new ScratchArrays();

/** The start of the next local hour after `at` (30- and 45-minute offsets included). */
function nextLocalHour(at: EpochMs, clock: LocalClock): EpochMs {
  const minute = clock.minuteOfDay(at) % 60;
  return epochMs(at - (((at % MINUTE_MS) + MINUTE_MS) % MINUTE_MS) - minute * MINUTE_MS + HOUR_MS);
}

/** A candidate nothing can send before it expires; why, worded only for the one the plan waits for. */
interface WaitingToExpire {
  candidate: Candidate;
  why: () => string;
}

function chooseAction(options: Option[], waitingToExpire: WaitingToExpire[], now: EpochMs, tz: string): PlanAction {
  // Split in one pass; a list of one (the usual: the day plan's send) needs no sort.
  const criticals: Option[] = [];
  const others: Option[] = [];
  for (const o of options) (o.classRank === PRIORITY_RANK.critical ? criticals : others).push(o);
  if (criticals.length > 1) criticals.sort((a, b) => a.at - b.at || byAuctionOrder(a, b));
  const critical = criticals[0];
  if (critical !== undefined && critical.at <= now)
    return sendAction(critical, 'critical: bypasses caps and quiet hours');
  if (others.length > 1) others.sort(byAuctionOrder);
  const best = others[0];
  if (best !== undefined && best.at <= now) {
    return sendAction(best, `${best.why}; expected value ${best.expectedValue.toFixed(3)}`);
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
    return {
      kind: 'wait',
      until: expiring.candidate.expiresAt,
      candidateId: expiring.candidate.id,
      why: expiring.why(),
    };
  }
  return { kind: 'idle', why: 'no pending candidates' };
}

function sendAction(option: Option, why: string): PlanAction {
  // A copy: candidates of a category share their channel list within a plan.
  return { kind: 'send', candidate: option.candidate, channels: [...option.channels], why };
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
    const at = dedupeKeys[key];
    if (at !== undefined && now - at >= (key.startsWith(ID_PREFIX) ? idMemory : config.dedupeWindowMs)) {
      delete dedupeKeys[key];
    }
  }
  const duplicate = suppression?.outcome.kind === 'suppressed' && suppression.outcome.reason === 'duplicate';
  if (!duplicate) dedupeKeys[ID_PREFIX + candidate.id] = now;
  if (suppression === null && candidate.dedupeKey !== undefined) dedupeKeys[candidate.dedupeKey] = now;
  const entries = Object.entries(dedupeKeys);
  if (entries.length > MAX_ADMISSION_MEMORY) {
    // Oldest first; a stable sort keeps equal times in key order, as sorting the keys by time did.
    const oldest = entries.sort(([, a], [, b]) => a - b).slice(0, entries.length - MAX_ADMISSION_MEMORY);
    for (const [key] of oldest) delete dedupeKeys[key];
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
  const ineligibilityOf = memoizedIneligibility(state.preferences, config);

  for (const candidate of state.pending) {
    const notAllowed = ineligibilityOf(candidate);
    if (notAllowed === null) pending.push(candidate);
    else drops.push(drop(candidate, notAllowed.reason, now, notAllowed.detail));
  }
  return { pending, drops };
}
