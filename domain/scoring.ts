// The heuristic prior for a candidate's expected value (docs/product.md §4 step 2); a trained model replaces it
// later. Expected value = predicted open probability × business value, minus recency and fatigue penalties.
import { DEFAULT_POLICY, categoryPolicy, isUrgent } from './config';
import type { PolicyConfig } from './config';
import { bestSendTime } from './send-time';
import { DAY_MS, HOUR_MS } from './time';
import type {
  Candidate,
  DurationMs,
  EpochMs,
  HourOfWeekCounts,
  PriorityClass,
  Probability,
  Score,
  SendRecord,
} from './types';
import { clampProbability, durationMs, maxOf, minOf, minutes, msBetween, probability } from './units';

/** Typical open rates by class before anything is known about the user. */
export const BASE_OPEN_RATE: Record<PriorityClass, Probability> = {
  critical: probability(0.5),
  transactional: probability(0.35),
  normal: probability(0.12),
  promotional: probability(0.06),
};
/** How many sends the base rate is worth when blended with the user's own last-10 open rate. */
const BASE_RATE_WEIGHT = 4;
/** The penalty for a recent send of the same category decays with this time constant. */
const RECENCY_HOURS = 12;
const RECENCY_MAX_PENALTY = 0.5;
const FATIGUE_PER_SEND = 0.1;
const FATIGUE_MAX_PENALTY = 0.5;
/**
 * How far back a send counts toward fatigue ("sends in the past day"), for runs that began since
 * patched('fatigue-window') (workflows/user-workflow.ts); runs from before count 24 h. A window of exactly 24 h put
 * its edge on the planner's own grid: the day plan sends at local hour starts and likes the same hour every day, so
 * whether yesterday's 20:00 send counted at today's 20:00 was decided by the milliseconds between a timer firing and
 * the send activity dating its delivery, and equal users got different plans (found by comparing the simulator
 * with the real workflow, test/simulator/real-workflow.test.ts). Half an hour short of a day, the edge lies
 * between hour starts and away from any 4-hour cooldown chain.
 */
export const FATIGUE_WINDOW_MS: DurationMs = durationMs(DAY_MS - minutes(30));

export interface ScoringContext {
  now: EpochMs;
  timeZone: string;
  hourOfWeek: HourOfWeekCounts;
  recentSends: SendRecord[];
  /** Opened notifications among the user's last 10 sends. */
  opensLast10: number;
  /** How far back a send counts toward fatigue: FATIGUE_WINDOW_MS, or 24 h when absent (runs from before it). */
  fatigueWindowMs?: DurationMs;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** The prior's open probability: the class's base rate blended with the user's last-10 open rate, × √lift. */
function openProbability(priorityClass: PriorityClass, ctx: ScoringContext, lift: number): Probability {
  const base = BASE_OPEN_RATE[priorityClass];
  const sendsSeen = Math.min(10, ctx.recentSends.length);
  const opens = clamp(ctx.opensLast10, 0, sendsSeen);
  const openRate = (opens + BASE_RATE_WEIGHT * base) / (sendsSeen + BASE_RATE_WEIGHT);
  return clampProbability(openRate * Math.sqrt(clamp(lift, 0.25, 4)));
}

/**
 * The prior's open probability for a send of `candidate` at ctx.now (no business value, no penalties): the baseline a
 * trained model must beat on the same holdout.
 */
export function priorOpenProbability(
  candidate: Pick<Candidate, 'category'>,
  ctx: ScoringContext,
  config: PolicyConfig = DEFAULT_POLICY,
): Probability {
  const { priorityClass } = categoryPolicy(config, candidate.category);
  return openProbability(
    priorityClass,
    ctx,
    bestSendTime(ctx.hourOfWeek, ctx.now, ctx.timeZone, durationMs(1)).propensity,
  );
}

export function heuristicScore(
  candidate: Candidate,
  ctx: ScoringContext,
  config: PolicyConfig = DEFAULT_POLICY,
): Score {
  const { priorityClass } = categoryPolicy(config, candidate.category);
  const horizon = minOf(DAY_MS, maxOf(durationMs(1), msBetween(ctx.now, candidate.expiresAt)));
  const best = bestSendTime(ctx.hourOfWeek, ctx.now, ctx.timeZone, horizon);
  const urgent = isUrgent(priorityClass);
  // Urgent classes go now, so their open chance is judged at now; others at their best time.
  const lift = urgent ? bestSendTime(ctx.hourOfWeek, ctx.now, ctx.timeZone, durationMs(1)).propensity : best.propensity;

  const pOpen = openProbability(priorityClass, ctx, lift);
  const value = pOpen * clampProbability(candidate.businessValue);

  const past = ctx.recentSends.filter((s) => s.at <= ctx.now);
  const lastSame = past.filter((s) => s.category === candidate.category).reduce((m, s) => Math.max(m, s.at), -Infinity);
  const recency = RECENCY_MAX_PENALTY * Math.exp(-(ctx.now - lastSame) / (RECENCY_HOURS * HOUR_MS));
  const window = ctx.fatigueWindowMs ?? DAY_MS;
  const sentLastDay = past.filter((s) => s.at > ctx.now - window).length;
  const fatigue = Math.min(FATIGUE_MAX_PENALTY, FATIGUE_PER_SEND * sentLastDay);

  return {
    candidateId: candidate.id,
    expectedValue: clampProbability(value * (1 - recency) - value * fatigue),
    bestSendAt: urgent ? ctx.now : best.at,
  };
}
