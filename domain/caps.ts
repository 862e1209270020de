// Every cap on the attention budget (docs/product.md §3), in one place: the daily cap per local calendar day, the
// adaptive caps (low responder, dormant), the rolling 7-day category caps, the cooldown and the critical ceiling,
// computed from the user's recent sends. Their values are in config.ts; earliest.ts combines them with quiet hours
// and notBefore into the earliest allowed time, and the planner turns that into decisions.
import { DEFAULT_POLICY, WEEK_MS, categoryPolicy, isBudgeted } from './config';
import type { PolicyConfig } from './config';
import type { Constraint, RuleContext } from './earliest';
import { isKnownCategory } from './eligibility';
import { HOUR_MS, startOfLocalDay, startOfNextLocalDay } from './time';
import type { Candidate, EpochMs, Probability, SendRecord, UserProfile, DurationMs } from './types';
import { nth } from './present';
import { addMs, maxOf, NEVER } from './units';

/** The caps a suppression can blame. */
export type CapReason = 'daily_cap' | 'category_cap';

/** A cap holding a candidate back: until when, as which constraint, blamed as which reason. */
export interface CapHold {
  until: EpochMs;
  constraint: Extract<Constraint, { kind: 'daily_cap' | 'category_cap' | 'dormant_cap' }>;
  reason: CapReason;
}

/**
 * The caps that hold a normal or promotional `candidate` back at `at`, in the order they apply, each from where the
 * previous one pushed it: the daily cap (local day; adaptive), the category's rolling 7-day cap, the dormant weekly
 * cap. Empty when none holds it. `dayStart` is the (memoized) start of the local day of an instant.
 */
export function capHolds(
  candidate: Candidate,
  weeklyCap: number | null,
  ctx: RuleContext,
  at: EpochMs,
  dayStart: (at: EpochMs) => EpochMs,
): CapHold[] {
  const holds: CapHold[] = [];
  const hold = (h: CapHold): void => {
    holds.push(h);
    at = h.until;
  };
  const start = dayStart(at);
  let today = 0;
  for (const t of ctx.budgetedSends) if (t >= start) today++;
  const { dailyCap, lowResponder, dormant } = ctx.status;
  if (today >= dailyCap) {
    const next = dailyCap <= 0 ? NEVER : startOfNextLocalDay(at, ctx.timeZone);
    hold({
      until: next,
      constraint: { kind: 'daily_cap', until: next, cap: dailyCap, lowResponder },
      reason: 'daily_cap',
    });
  }
  if (weeklyCap !== null && at < candidate.expiresAt) {
    const opens = rollingWindowOpensAt(ctx.categorySends.get(candidate.category) ?? [], at, weeklyCap);
    if (opens > at) {
      hold({
        until: opens,
        constraint: { kind: 'category_cap', until: opens, cap: weeklyCap },
        reason: 'category_cap',
      });
    }
  }
  if (dormant !== null && at < candidate.expiresAt) {
    const opens = rollingWindowOpensAt(ctx.budgetedSends, at, dormant.weeklyCap);
    if (opens > at) {
      hold({
        until: opens,
        constraint: { kind: 'dormant_cap', until: opens, cap: dormant.weeklyCap },
        reason: 'daily_cap',
      });
    }
  }
  return holds;
}

/** The earliest instant ≥ `at` when a rolling-7-day window over `times` holds fewer than `cap` entries. */
function rollingWindowOpensAt(times: EpochMs[], at: EpochMs, cap: number): EpochMs {
  if (cap <= 0) return NEVER;
  let inWindow = 0;
  for (const t of times) if (t > at - WEEK_MS) inWindow++;
  if (inWindow < cap) return at;
  // The window must lose its oldest (inWindow - cap + 1) entries; times are ascending.
  const firstInWindow = times.length - inWindow;
  return addMs(nth(times, firstInWindow + inWindow - cap), WEEK_MS);
}

/** What the budget rules need to know about a user. */
export interface BudgetState {
  profile: UserProfile;
  sends: SendRecord[];
  lastEngagementAt?: EpochMs | undefined;
  userSince: EpochMs;
}

function isBudgetedSend(send: SendRecord, config: PolicyConfig): boolean {
  return isKnownCategory(config, send.category) && isBudgeted(categoryPolicy(config, send.category).priorityClass);
}

/** Non-critical sends start (and obey) the cooldown. */
export function isNonCriticalSend(send: SendRecord, config: PolicyConfig): boolean {
  return !isKnownCategory(config, send.category) || categoryPolicy(config, send.category).priorityClass !== 'critical';
}

/** Adaptive caps (docs/product.md §3); a user can be both a low responder and dormant, and then both apply. */
export interface Responsiveness {
  /** No open among the last `lowResponderWindow` sends. */
  lowResponder: boolean;
  /** The daily cap that applies (the low-responder cap when lower). */
  dailyCap: number;
  /** Set when the user has not engaged for `dormantAfterMs`. */
  dormant: { weeklyCap: number; minBusinessValue: Probability; since: EpochMs } | null;
}

export function responsiveness(
  state: BudgetState,
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): Responsiveness {
  const lastEngaged = maxOf(state.lastEngagementAt ?? state.userSince, state.userSince);
  const dormant =
    now - lastEngaged >= config.dormantAfterMs
      ? {
          weeklyCap: config.dormantWeeklyCap,
          minBusinessValue: config.dormantMinBusinessValue,
          since: addMs(lastEngaged, config.dormantAfterMs),
        }
      : null;
  const window = config.lowResponderWindow;
  const recent = [...state.sends].sort((a, b) => a.at - b.at).slice(-window);
  const lowResponder = window > 0 && recent.length >= window && recent.every((s) => s.openedAt === undefined);
  return {
    lowResponder,
    dailyCap: lowResponder ? Math.min(config.lowResponderDailyCap, config.dailyCap) : config.dailyCap,
    dormant,
  };
}

/** Normal/promotional notifications the user may still get in the current local day (adaptive caps included). */
export function budgetLeftToday(state: BudgetState, now: EpochMs, config: PolicyConfig = DEFAULT_POLICY): number {
  const status = responsiveness(state, now, config);
  const dayStart = startOfLocalDay(now, state.profile.timeZone);
  const budgeted = state.sends.filter((s) => s.at <= now && isBudgetedSend(s, config));
  const sentToday = budgeted.filter((s) => s.at >= dayStart).length;
  let left = status.dailyCap - sentToday;
  if (status.dormant !== null) {
    left = Math.min(left, status.dormant.weeklyCap - budgeted.filter((s) => s.at > now - WEEK_MS).length);
  }
  return Math.max(0, left);
}

/** The end of the current cooldown, or null when a non-critical notification may go now. */
export function cooldownUntil(state: BudgetState, now: EpochMs, config: PolicyConfig = DEFAULT_POLICY): EpochMs | null {
  const last = lastNonCriticalSendAt(state.sends, config);
  if (last === null) return null;
  const until = addMs(last, config.cooldownMs);
  return until > now ? until : null;
}

/** Critical notifications sent in the rolling hour up to `now`, for the per-user ceiling (criticalSendsPerHour). */
export function criticalSendsLastHour(
  sends: SendRecord[],
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): number {
  return sends.filter((s) => s.at > now - HOUR_MS && s.at <= now && !isNonCriticalSend(s, config)).length;
}

export function lastNonCriticalSendAt(sends: SendRecord[], config: PolicyConfig): EpochMs | null {
  let last: EpochMs | null = null;
  for (const send of sends) {
    if (isNonCriticalSend(send, config) && (last === null || send.at > last)) last = send.at;
  }
  return last;
}

/**
 * Keeps only the sends a rule can still look at: the last 7 days (category and dormant caps, which also cover
 * the local day and the cooldown) and the last `lowResponderWindow` sends whatever their age. Oldest first.
 */
export function pruneSends(sends: SendRecord[], now: EpochMs, config: PolicyConfig = DEFAULT_POLICY): SendRecord[] {
  const ordered = [...sends].sort((a, b) => a.at - b.at);
  const keepFrom = Math.max(0, ordered.length - config.lowResponderWindow);
  const horizon = sendsHorizonMs(config);
  return ordered.filter((send, i) => i >= keepFrom || send.at > now - horizon);
}

/** How far back a rule may look at sends (besides the last `lowResponderWindow`, kept whatever their age). */
export function sendsHorizonMs(config: PolicyConfig = DEFAULT_POLICY): DurationMs {
  return maxOf(WEEK_MS, config.cooldownMs);
}
