// The policies compared, each seeing only what the product would see: candidates, app opens, receipts, opt-outs.
//  - blast:       every candidate at the next 09:00 local (a fixed-schedule campaign), highest value first, up to the
//                 same daily and category caps; no cooldown (a blast has none).
//  - engaged_hour: Braze-like Intelligent Timing: each candidate at the next occurrence of the user's most engaged
//                 local hour so far (app and notification opens; the population's 20:00 before any), same caps.
//  - tact_prior / tact_model: the product's own decision code, as the user workflow runs it: the workflow state and
//                 its message handling (workflows/user-state.ts), the planner (domain/planner.ts, the day plan), the
//                 heuristic prior or the trained model for scores.
import { DEFAULT_POLICY, categoryPolicy, isBudgeted, type PolicyConfig } from '../domain/config';
import { plan } from '../domain/planner';
import { FATIGUE_WINDOW_MS } from '../domain/scoring';
import { localParts, nextLocalTime, startOfLocalDay } from '../domain/time';
import type { Candidate, Channel, EpochMs, Score } from '../domain/types';
import { minuteOfDay as toMinuteOfDay, addMs, EPOCH, maxOf, minOf, NEVER, durationMs, seconds } from '../domain/units';
import { DEFAULT_TRIGGERS } from '../domain/triggers';
import {
  applyMessages,
  conclude,
  decide,
  initialState,
  markRecorded,
  planningScores,
  plannerState,
  prune,
  scoringContext,
  type UserState,
} from '../workflows/user-state';
import { modelScore } from '../activities/model/score';
import type { LogisticModel } from '../activities/model/logistic';
import type { FeatureSpace } from '../activities/model/features';
import { nth } from '../domain/present';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

export const POLICY_NAMES = ['blast', 'engaged_hour', 'tact_prior', 'tact_model'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** A send is dated `at`: when it was delivered (Tact's a moment after it was decided, see DELIVERY_DELAY_MS). */
export type Next =
  { kind: 'send'; candidate: Candidate; channel: Channel; at: EpochMs } | { kind: 'wait'; until: EpochMs };

/**
 * The product's clock around a decision, as the user workflow lives it: it plans when its workflow task runs, a
 * moment after the timer or signal that woke it (never exactly at a timer's hour start), and a send is dated by its
 * delivery, the send activity's clock, a moment after that (workflows/user-workflow.ts records `decision.outcome.at`);
 * the workflow plans again once the activity is done. Planning exactly at an hour start and dating sends at the
 * decision instant, as the simulator did, made the day plan's 24-hour horizon end exactly on tomorrow's same hour and
 * yesterday's same-hour send sit exactly on the edge of "the last 24 h", so the simulator and the real workflow
 * parted (found by test/simulator/real-workflow.test.ts). The baselines stand for tools without these steps.
 */
export const WORKFLOW_TASK_DELAY_MS = durationMs(5);
export const DELIVERY_DELAY_MS = durationMs(50);
/** workflows/wake-timer.ts: the shortest timer the workflow starts. */
const MIN_TIMER_MS = seconds(1);

export interface Policy {
  candidate(candidate: Candidate, now: EpochMs): void;
  opened(candidateId: string, at: EpochMs): void;
  converted(candidateId: string, at: EpochMs): void;
  appOpened(at: EpochMs): void;
  optedOut(at: EpochMs): void;
  /** What to do at `now`: send one candidate now (call again for more), or wait. Drops what must end. */
  next(now: EpochMs): Next;
  /** Whether the policy keeps the cooldown (the rule check holds it to it). */
  readonly keepsCooldown: boolean;
  /** The state Tact keeps for this user (for training rows); null for the baselines. */
  readonly tactState: UserState | null;
}

/** Caps and opt-outs as a baseline tool would implement them (daily cap per local day, rolling category caps). */
class ScheduledPolicy implements Policy {
  readonly keepsCooldown = false;
  readonly tactState = null;
  private pending: Candidate[] = [];
  private sends: { at: EpochMs; category: Candidate['category'] }[] = [];
  private optOut = false;
  private readonly hourCounts = new Array<number>(24).fill(0);

  constructor(
    private readonly timeZone: string,
    private readonly sendMinute: (counts: readonly number[]) => number,
    private readonly config: PolicyConfig,
  ) {}

  candidate(candidate: Candidate): void {
    if (!this.optOut) this.pending.push(candidate);
  }
  opened(_candidateId: string, at: EpochMs): void {
    this.countHour(at);
  }
  converted(): void {}
  private countHour(at: EpochMs): void {
    const { hour } = localParts(at, this.timeZone);
    this.hourCounts[hour] = nth(this.hourCounts, hour) + 1;
  }
  appOpened(at: EpochMs): void {
    this.countHour(at);
  }
  optedOut(): void {
    this.optOut = true;
    this.pending = [];
  }

  next(now: EpochMs): Next {
    this.pending = this.pending.filter((c) => c.expiresAt > now);
    const minute = toMinuteOfDay(this.sendMinute(this.hourCounts));
    const { minuteOfDay, hour } = localParts(now, this.timeZone);
    const quiet = hour >= 22 || hour < 7;
    // Transactional candidates go at once outside quiet hours (every policy does the same with them).
    const urgent = quiet ? undefined : this.pending.find((c) => !this.budgeted(c));
    if (urgent !== undefined) return this.send(urgent, now);
    if (minuteOfDay === minute && now % 60_000 === 0) {
      const dayStart = startOfLocalDay(now, this.timeZone);
      const today = this.sends.filter((s) => s.at >= dayStart && this.budgetedCategory(s.category)).length;
      const best = this.pending
        .filter((c) => this.budgeted(c) && today < this.config.dailyCap && this.categoryOpen(c, now))
        .sort((a, b) => b.businessValue - a.businessValue || a.createdAt - b.createdAt)[0];
      if (best !== undefined) return this.send(best, now);
    }
    const nextSlot = nextLocalTime(now, this.timeZone, minute);
    const nextMorning =
      quiet && this.pending.some((c) => !this.budgeted(c))
        ? nextLocalTime(now, this.timeZone, toMinuteOfDay(7 * 60))
        : NEVER;
    return { kind: 'wait', until: minOf(nextSlot, nextMorning) };
  }

  private send(candidate: Candidate, now: EpochMs): Next {
    this.pending = this.pending.filter((c) => c !== candidate);
    this.sends.push({ at: now, category: candidate.category });
    const channel = nth(categoryPolicy(this.config, candidate.category).channels, 0);
    return { kind: 'send', candidate, channel, at: now };
  }
  private budgeted(c: Candidate): boolean {
    return this.budgetedCategory(c.category);
  }
  private budgetedCategory(category: Candidate['category']): boolean {
    return isBudgeted(categoryPolicy(this.config, category).priorityClass);
  }
  private categoryOpen(c: Candidate, now: EpochMs): boolean {
    const cap = categoryPolicy(this.config, c.category).weeklyCap;
    return cap === null || this.sends.filter((s) => s.category === c.category && s.at > now - WEEK).length < cap;
  }
}

/** The product's decision code for one user, driven as the user workflow drives it. */
class TactPolicy implements Policy {
  readonly keepsCooldown = true;
  readonly tactState: UserState;
  /** The workflow's wake-up timer (workflows/wake-timer.ts): when it fires, or null when none is running. */
  private timer: EpochMs | null = null;

  constructor(
    userId: string,
    timeZone: string,
    start: EpochMs,
    private readonly config: PolicyConfig,
    private readonly model: (() => (LogisticModel & FeatureSpace) | null) | null,
  ) {
    this.tactState = initialState(userId, start);
    // The policy in use, as the workflow keeps it (its engagementPooling setting decides how send times are learned).
    this.tactState.ruleSet = { id: 'simulation', since: EPOCH, policy: config };
    this.apply([{ kind: 'profile', change: { timeZone } }], start);
  }

  private apply(messages: Parameters<typeof applyMessages>[1], now: EpochMs): void {
    applyMessages(this.tactState, messages, now, this.config, DEFAULT_TRIGGERS);
  }
  candidate(candidate: Candidate, now: EpochMs): void {
    this.apply([{ kind: 'candidate', candidate }], now);
  }
  opened(candidateId: string, at: EpochMs): void {
    this.apply([{ kind: 'notification', event: { notificationId: candidateId, type: 'opened', at } }], at);
  }
  converted(candidateId: string, at: EpochMs): void {
    this.apply([{ kind: 'notification', event: { notificationId: candidateId, type: 'converted', at } }], at);
  }
  appOpened(at: EpochMs): void {
    this.apply([{ kind: 'appOpened', at }], at);
  }
  optedOut(at: EpochMs): void {
    this.apply([{ kind: 'preferences', change: { globalOptOut: true } }], at);
  }

  next(woken: EpochMs): Next {
    const now = addMs(woken, WORKFLOW_TASK_DELAY_MS);
    if (this.timer !== null && woken >= this.timer) this.timer = null; // it fired
    const state = this.tactState;
    prune(state, now, this.config);
    const scores = this.scores(now);
    const { drops, action } = plan(plannerState(state), scores, now, this.config, 'day');
    for (const drop of drops) decide(state, drop, now);
    markRecorded(state, state.unrecorded.length); // the simulation keeps no decision log
    if (action.kind === 'send' && action.candidate.expiresAt <= addMs(woken, DELIVERY_DELAY_MS)) {
      // The send activity finds it expired by the time it would deliver (domain/send-check.ts) and declines it; the
      // workflow drops it and plans again once the activity is done.
      const { id, category } = action.candidate;
      decide(
        state,
        {
          candidateId: id,
          category,
          outcome: { kind: 'suppressed', reason: 'expired', at: addMs(woken, DELIVERY_DELAY_MS) },
        },
        now,
      );
      markRecorded(state, state.unrecorded.length);
      return this.next(addMs(woken, DELIVERY_DELAY_MS));
    }
    if (action.kind === 'send') {
      const channel = nth(action.channels, 0);
      const at = addMs(woken, DELIVERY_DELAY_MS);
      state.sends.push({ candidateId: action.candidate.id, category: action.candidate.category, channel, at });
      conclude(state, {
        candidateId: action.candidate.id,
        category: action.candidate.category,
        outcome: { kind: 'sent', channel, at },
      });
      return { kind: 'send', candidate: action.candidate, channel, at };
    }
    // The timer as the workflow keeps it: a running timer that fires no later than needed is kept (the workflow
    // wakes then and re-plans, and may act on the new plan), one no longer needed is left to fire.
    const wakeBy = action.kind === 'wait' ? action.until : null;
    if (!(this.timer !== null && (wakeBy === null || this.timer <= wakeBy))) {
      this.timer = wakeBy === null ? null : maxOf(addMs(now, MIN_TIMER_MS), wakeBy);
    }
    return { kind: 'wait', until: this.timer ?? NEVER };
  }

  /** Priors as the workflow plans on them; with a model, the model's scores, as the send activity's auction uses. */
  private scores(now: EpochMs): Record<string, Score> {
    const model = this.model?.() ?? null;
    if (model === null) return planningScores(this.tactState, now, this.config, FATIGUE_WINDOW_MS);
    const state = this.tactState;
    const ctx = {
      ...scoringContext(state, now, FATIGUE_WINDOW_MS),
      userSince: state.userSince,
      ...(state.lastEngagementAt === undefined ? {} : { lastEngagementAt: state.lastEngagementAt }),
    };
    const scores: Record<string, Score> = {};
    for (const c of state.pending) scores[c.id] = modelScore(model, c, ctx, this.config);
    return scores;
  }
}

export function createPolicy(
  name: PolicyName,
  user: { id: string; timeZone: string },
  start: EpochMs,
  model: (() => (LogisticModel & FeatureSpace) | null) | null,
  config: PolicyConfig = DEFAULT_POLICY,
): Policy {
  switch (name) {
    case 'blast':
      return new ScheduledPolicy(user.timeZone, () => 9 * 60, config);
    case 'engaged_hour':
      return new ScheduledPolicy(user.timeZone, mostEngagedMinute, config);
    case 'tact_prior':
      return new TactPolicy(user.id, user.timeZone, start, config, null);
    case 'tact_model':
      return new TactPolicy(user.id, user.timeZone, start, config, model);
  }
}

/** The most engaged local hour (ties: the earliest), kept out of quiet hours; 20:00 with no data. */
function mostEngagedMinute(counts: readonly number[]): number {
  let best = 20;
  let most = 0;
  counts.forEach((n, h) => {
    if (n > most) {
      most = n;
      best = h;
    }
  });
  if (best >= 22) best = 21;
  if (best < 7) best = 7;
  return best * 60;
}
