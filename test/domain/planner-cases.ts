// Seeded random inputs for the planner and the day plan, and a digest of what they decide: the golden test
// (planner-golden.test.ts) replays them against outputs recorded from the planner before it was optimized, so a
// faster planner must make the very same decisions (drops, action, times and reasons), ties included.
// Record again (only for an intended change of decisions) with `npx tsx test/domain/record-planner-golden.ts`.
import { createHash } from 'node:crypto';
import { DEFAULT_POLICY, withOverrides } from '../../domain/config';
import type { PolicyConfig } from '../../domain/config';
import type { DayPlanInput, PlanSlot, PlanItem } from '../../domain/day-plan';
import { plan } from '../../domain/planner';
import type { Plan, PlanMode, PlannerState } from '../../domain/planner';
import type { Candidate, Channel, Score, SendRecord, EpochMs } from '../../domain/types';
import { minuteOfDay, durationMs, probability, hours, epochMs, addMs, maxOf, subMs } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const ZONES = [
  'Europe/Paris',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Sao_Paulo',
  'Pacific/Tongatapu',
  'UTC',
];
const DST_SWITCHES = [utc(2024, 2, 31), utc(2024, 9, 27), utc(2024, 2, 10), utc(2024, 10, 3)];
const CATEGORIES = Object.keys(DEFAULT_POLICY.categories);
const CHANNELS: Channel[] = ['push', 'email', 'sms'];

/** mulberry32: a small seeded generator, so the cases never depend on a library's version. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;
const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Random, xs: readonly T[]): T =>
  present(xs[Math.floor(r() * xs.length)], 'xs[Math.floor(r() * xs.length)]');
const chance = (r: Random, p: number): boolean => r() < p;

function configFor(r: Random): PolicyConfig {
  if (chance(r, 0.5)) return DEFAULT_POLICY;
  return withOverrides(DEFAULT_POLICY, {
    dailyCap: pick(r, [0, 1, 2, 3]),
    cooldownMs: pick(r, [0, 30 * MIN, HOUR, 4 * HOUR, 7 * HOUR]),
    lowResponderWindow: pick(r, [0, 3, 10]),
    dormantAfterMs: pick(r, [7 * DAY, 30 * DAY]),
    scoreFloor: pick(r, [0, 0.02, 0.1]),
    defaultQuietHours: pick(r, [
      { start: 22 * 60, end: 7 * 60 },
      { start: 0, end: 0 },
      { start: 13 * 60 + 30, end: 14 * 60 },
    ]),
    categories: chance(r, 0.3) ? { social: { weeklyCap: pick(r, [0, 1, 2]) } } : {},
  });
}

function nowFor(r: Random): EpochMs {
  const base = chance(r, 0.4) ? pick(r, DST_SWITCHES) - int(r, 0, 3 * DAY) : int(r, utc(2024, 0, 1), utc(2026, 0, 1));
  // Mostly whole minutes (as timers fire), sometimes any millisecond.
  return epochMs(chance(r, 0.8) ? base - (base % MIN) : base);
}

/** Expected values drawn from a few levels half the time, so ties between candidates are common. */
function expectedValue(r: Random): number {
  return chance(r, 0.5) ? pick(r, [0, 0.01, 0.1, 0.2, 0.3]) : r() * 0.6;
}

function candidateFor(r: Random, n: number, now: EpochMs, config: PolicyConfig): Candidate {
  const category = chance(r, 0.1) ? pick(r, ['security', 'account']) : pick(r, CATEGORIES);
  const ttl = present(config.categories[category], 'config.categories[category]').ttlMs;
  const createdAt = subMs(now, durationMs(int(r, 0, 2 * DAY)));
  const expiresAt = chance(r, 0.8) ? addMs(createdAt, ttl) : addMs(now, durationMs(int(r, -HOUR, 3 * DAY)));
  return {
    id: `c${n}`,
    userId: 'u1',
    category,
    template: `${category}.t`,
    variables: {},
    createdAt,
    expiresAt,
    ...(chance(r, 0.15) ? { notBefore: addMs(now, durationMs(int(r, -HOUR, 20 * HOUR))) } : {}),
    businessValue: probability(chance(r, 0.3) ? pick(r, [0.5, 0.9]) : r()),
    source: 'event',
    ...(chance(r, 0.03) ? { experiment: 'e', variant: 'control' } : {}),
  };
}

function engagementFor(r: Random): number[] | undefined {
  const kind = int(r, 0, 3);
  if (kind === 0) return undefined;
  const counts = new Array<number>(168).fill(0);
  if (kind === 1) return counts;
  const events = kind === 2 ? int(r, 1, 10) : int(r, 20, 200);
  const peak = int(r, 0, 167);
  for (let i = 0; i < events; i++) {
    const h = chance(r, 0.6) ? (peak + int(r, -2, 2) + 168) % 168 : int(r, 0, 167);
    counts[h] = nth(counts, h) + (chance(r, 0.5) ? 1 : r());
  }
  return counts;
}

export interface PlanCase {
  state: PlannerState;
  scores: Record<string, Score>;
  now: EpochMs;
  config: PolicyConfig;
  mode: PlanMode;
}

export function planCase(seed: number): PlanCase {
  const r = rng(seed);
  const config = configFor(r);
  const now = nowFor(r);
  const count = pick(r, [0, 1, 2, 3, 5, 8, 12, 20, 40, 100, 120]);
  const pending = Array.from({ length: count }, (_, n) => candidateFor(r, n, now, config));
  const scores: Record<string, Score> = {};
  const ownTimes = [now, addMs(now, hours(int(r, 1, 20)))];
  for (const c of pending) {
    if (chance(r, 0.05)) continue; // unscored: falls back to its business value
    const bestSendAt = chance(r, 0.3) ? pick(r, ownTimes) : addMs(now, durationMs(int(r, -2 * HOUR, 24 * HOUR)));
    scores[c.id] = { candidateId: c.id, expectedValue: probability(expectedValue(r)), bestSendAt };
  }
  const sends: SendRecord[] = Array.from({ length: int(r, 0, 14) }, (_, n) => ({
    candidateId: `s${n}`,
    category: pick(r, CATEGORIES),
    channel: pick(r, CHANNELS),
    at: subMs(now, durationMs(int(r, 1, 8 * DAY))),
    ...(chance(r, 0.3) ? { openedAt: subMs(now, durationMs(int(r, 0, HOUR))) } : {}),
  })).sort((a, b) => a.at - b.at);
  const engagement = engagementFor(r);
  const state: PlannerState = {
    profile: { timeZone: pick(r, ZONES), locale: 'en' },
    preferences: {
      globalOptOut: chance(r, 0.05),
      optedOutCategories: chance(r, 0.2) ? [pick(r, CATEGORIES)] : [],
      optedOutChannels: chance(r, 0.2) ? [pick(r, CHANNELS)] : [],
      quietHours: chance(r, 0.3) ? { start: minuteOfDay(int(r, 0, 1439)), end: minuteOfDay(int(r, 0, 1439)) } : null,
      nightDelivery: chance(r, 0.1),
      privacyMode: false,
    },
    pending,
    sends,
    userSince: subMs(now, durationMs(int(r, 0, 100 * DAY))),
    lastEngagementAt: chance(r, 0.2) ? undefined : subMs(now, durationMs(int(r, 0, 40 * DAY))),
    ...(engagement === undefined ? {} : { engagement }),
  };
  return { state, scores, now, config, mode: chance(r, 0.2) ? 'per_candidate' : 'day' };
}

/**
 * Drives a case through time as the workflow does (drops leave, a send is recorded, a wait moves `now`), for
 * `steps` re-plans: the states a real user's queue passes through. Returns every plan made.
 */
export function trajectory(c: PlanCase, steps: number): Plan[] {
  const state: PlannerState = { ...c.state, pending: [...c.state.pending], sends: [...c.state.sends] };
  const plans: Plan[] = [];
  let now = c.now;
  for (let step = 0; step < steps; step++) {
    const result = plan(state, c.scores, now, c.config, c.mode);
    plans.push(result);
    const dropped = new Set(result.drops.map((d) => d.candidateId));
    state.pending = state.pending.filter((p) => !dropped.has(p.id));
    const { action } = result;
    if (action.kind === 'idle') break;
    if (action.kind === 'wait') {
      now = maxOf(addMs(now, durationMs(1)), action.until);
      continue;
    }
    const channel = action.channels[0] ?? 'push';
    state.sends = [
      ...state.sends,
      { candidateId: action.candidate.id, category: action.candidate.category, channel, at: now },
    ];
    state.pending = state.pending.filter((p) => p.id !== action.candidate.id);
  }
  return plans;
}

/** What a plan decided, compactly: the action in clear, everything (reasons and details included) in a hash. */
export function digest(plans: readonly Plan[]): string {
  const last = plans[plans.length - 1];
  const action = last?.action;
  const summary =
    action === undefined
      ? 'none'
      : action.kind === 'idle'
        ? 'idle'
        : action.kind === 'send'
          ? `send ${action.candidate.id}`
          : `wait ${action.candidateId} ${action.until}`;
  const hash = createHash('sha256').update(JSON.stringify(plans)).digest('hex').slice(0, 16);
  return `${plans.length} ${summary} ${hash}`;
}

/** A random day-plan input straight to planDay: more slots, items, caps and ties than plan() tends to make. */
export function dayPlanCase(seed: number): DayPlanInput {
  const r = rng(seed);
  const slotCount = pick(r, [0, 1, 3, 10, 25, 48, 80]);
  const days = int(r, 1, 2);
  const start = utc(2025, 0, 1);
  const times = new Set<number>();
  while (times.size < slotCount) times.add(start + int(r, 0, days * 24 * 4) * 15 * MIN);
  const sorted = [...times].sort((a, b) => a - b);
  const slots: PlanSlot[] = sorted.map((at) => ({
    at: epochMs(at),
    day: Math.min(days - 1, Math.floor((at - start) / DAY)),
    factor: chance(r, 0.4) ? pick(r, [0.5, 1, 2]) : 0.5 + r() * 1.5,
  }));
  const itemCount = pick(r, [0, 1, 2, 5, 10, 20, 30]);
  const items: PlanItem[] = Array.from({ length: itemCount }, () => {
    const from = int(r, 0, Math.max(0, slotCount - 1));
    const until = Math.min(slotCount, from + int(r, 1, slotCount + 1));
    const base = chance(r, 0.5) ? pick(r, [0, 0.1, 0.2]) : r() * 0.4;
    const hasPeak = chance(r, 0.4);
    const peak = hasPeak ? int(r, Math.max(0, from - 2), until) : -1;
    const peakValue = base * (chance(r, 0.5) ? 2 : 1 + r());
    return {
      category: pick(r, ['a', 'b', 'c', 'd']),
      base,
      from,
      until,
      peak,
      peakValue,
      ceiling: hasPeak ? peakValue * 0.98 : Infinity,
    };
  });
  const categoryAllowance = new Map<string, number>();
  for (const category of ['a', 'b', 'c']) if (chance(r, 0.4)) categoryAllowance.set(category, int(r, 0, 3));
  return {
    slots,
    items,
    dayAllowance: Array.from({ length: days }, () => int(r, 0, 3)),
    totalAllowance: chance(r, 0.2) ? int(r, 0, 3) : Infinity,
    categoryAllowance,
    cooldownMs: durationMs(pick(r, [0, 15 * MIN, HOUR, 4 * HOUR])),
    firstSlotBonus: pick(r, [0, 0.01]),
  };
}

export const PLAN_CASES = 1500;
export const TRAJECTORY_STEPS = 12;
export const DAY_PLAN_CASES = 3000;
