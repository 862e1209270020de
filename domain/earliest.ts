// The earliest instant every rule allows a candidate to go: a fixpoint over notBefore, quiet hours, cooldown and
// the caps (caps.ts: daily cap per local calendar day, rolling 7-day category caps, dormant weekly cap).
import { categoryPolicy, isBudgeted } from './config';
import type { PolicyConfig } from './config';
import { capHolds, lastNonCriticalSendAt, responsiveness } from './caps';
import type { BudgetState, CapReason, Responsiveness } from './caps';
import { isKnownCategory } from './eligibility';
import { quietHoursEnd } from './quiet-hours';
import { startOfLocalDay } from './time';
import type { Candidate, Category, EpochMs, Preferences } from './types';
import { addMs, NEVER } from './units';

export type { CapReason };

/** The rule that last pushed a candidate's time later: the reason it waits. */
export type Constraint =
  | { kind: 'not_before'; until: EpochMs }
  | { kind: 'quiet_hours'; until: EpochMs }
  | { kind: 'cooldown'; until: EpochMs }
  | { kind: 'daily_cap'; until: EpochMs; cap: number; lowResponder: boolean }
  | { kind: 'category_cap'; until: EpochMs; cap: number }
  | { kind: 'dormant_cap'; until: EpochMs; cap: number };

export interface Earliest {
  /** Infinity when the rules never allow it. */
  at: EpochMs;
  binding: Constraint | null;
  /** The first cap that pushed the time, if any: what to blame when caps make it miss its expiry. */
  firstCap: CapReason | null;
}

/** Everything the rules need for one re-plan, computed once and shared by all candidates. */
export interface RuleContext {
  timeZone: string;
  prefs: Preferences;
  config: PolicyConfig;
  status: Responsiveness;
  cooldownEnd: EpochMs | null;
  /** Ascending send times of normal/promotional notifications. */
  budgetedSends: EpochMs[];
  /** Ascending send times per category. */
  categorySends: Map<Category, EpochMs[]>;
  /** Memoized time-zone lookups: many candidates ask about the same instants. */
  quietEnds: Map<EpochMs, EpochMs | null>;
  dayStarts: Map<EpochMs, EpochMs>;
}

export function ruleContext(
  state: BudgetState & { preferences: Preferences },
  now: EpochMs,
  config: PolicyConfig,
): RuleContext {
  const status = responsiveness(state, now, config);
  const ordered = [...state.sends].sort((a, b) => a.at - b.at);
  const categorySends = new Map<Category, EpochMs[]>();
  const budgetedSends: EpochMs[] = [];
  for (const send of ordered) {
    if (!isKnownCategory(config, send.category)) continue;
    const times = categorySends.get(send.category) ?? [];
    times.push(send.at);
    categorySends.set(send.category, times);
    if (isBudgeted(categoryPolicy(config, send.category).priorityClass)) budgetedSends.push(send.at);
  }
  const lastNonCritical = lastNonCriticalSendAt(ordered, config);
  return {
    timeZone: state.profile.timeZone,
    prefs: state.preferences,
    config,
    status,
    cooldownEnd: lastNonCritical === null ? null : addMs(lastNonCritical, config.cooldownMs),
    budgetedSends,
    categorySends,
    quietEnds: new Map(),
    dayStarts: new Map(),
  };
}

function quietEnd(ctx: RuleContext, at: EpochMs): EpochMs | null {
  let end = ctx.quietEnds.get(at);
  if (end === undefined) {
    end = quietHoursEnd(at, ctx.timeZone, ctx.prefs, ctx.config);
    ctx.quietEnds.set(at, end);
  }
  return end;
}

function dayStart(ctx: RuleContext, at: EpochMs): EpochMs {
  let start = ctx.dayStarts.get(at);
  if (start === undefined) {
    start = startOfLocalDay(at, ctx.timeZone);
    ctx.dayStarts.set(at, start);
  }
  return start;
}

const MAX_FIXPOINT_ROUNDS = 64;

/**
 * The earliest instant ≥ `from` at which every rule allows `candidate`, under the sends known now.
 * With `caps: false` only notBefore, quiet hours and cooldown count (to tell whether caps are what blocks it).
 * Stops as soon as the time reaches the candidate's expiry: later is as good as never.
 */
export function earliestAllowed(
  candidate: Candidate,
  ctx: RuleContext,
  from: EpochMs,
  options: { caps: boolean } = { caps: true },
): Earliest {
  const { priorityClass, weeklyCap } = categoryPolicy(ctx.config, candidate.category);
  const critical = priorityClass === 'critical';
  const budgeted = isBudgeted(priorityClass);
  let at = from;
  let binding: Constraint | null = null;
  let firstCap: CapReason | null = null;
  const push = (until: EpochMs, constraint: Constraint, cap?: CapReason): void => {
    at = until;
    binding = constraint;
    if (cap !== undefined && firstCap === null) firstCap = cap;
  };

  if (candidate.notBefore !== undefined && candidate.notBefore > at) {
    push(candidate.notBefore, { kind: 'not_before', until: candidate.notBefore });
  }
  for (let round = 0; round < MAX_FIXPOINT_ROUNDS && at < candidate.expiresAt; round++) {
    const before = at;
    if (!critical) {
      const quiet = quietEnd(ctx, at);
      if (quiet !== null) push(quiet, { kind: 'quiet_hours', until: quiet });
      if (ctx.cooldownEnd !== null && ctx.cooldownEnd > at) {
        push(ctx.cooldownEnd, { kind: 'cooldown', until: ctx.cooldownEnd });
      }
    }
    if (budgeted && options.caps) {
      for (const hold of capHolds(candidate, weeklyCap, ctx, at, (t) => dayStart(ctx, t))) {
        push(hold.until, hold.constraint, hold.reason);
      }
    }
    if (at === before) return { at, binding, firstCap };
  }
  return { at: at < candidate.expiresAt ? at : NEVER, binding, firstCap };
}
