// The day plan against timing each candidate on its own: a morning's candidates no longer pile onto the evening peak.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../domain/config';
import { planDay } from '../../domain/day-plan';
import { plan, type PlanMode, type PlannerState } from '../../domain/planner';
import { heuristicScore } from '../../domain/scoring';
import type { Candidate, EpochMs, Score, SendRecord } from '../../domain/types';
import { dayPlanCase } from './planner-cases';
import { NO_PREFS, candidate } from './simulator';
import { probability, hours, subMs } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const HOUR = hours(1);
const PARIS = 'Europe/Paris';
/** A Paris wall time in June 2024 (UTC+2); 4 June 2024 is a Tuesday. */
const paris = (day: number, h: number, m = 0) => utc(2024, 5, day, h - 2, m);

/** Drives the planner through time as the workflow does (send when told, else sleep until the plan's time). */
function run(pending: Candidate[], from: EpochMs, until: EpochMs, mode: PlanMode): SendRecord[] {
  const state: PlannerState = {
    profile: { timeZone: PARIS, locale: 'fr-FR' },
    preferences: NO_PREFS,
    pending: [...pending],
    sends: [],
    userSince: subMs(from, hours(30 * 24)),
    lastEngagementAt: from,
    engagement: new Array<number>(168).fill(0),
  };
  let now = from;
  for (let step = 0; step < 100 && now < until; step++) {
    const scores: Record<string, Score> = {};
    const ctx = {
      now,
      timeZone: PARIS,
      hourOfWeek: present(state.engagement, 'state.engagement'),
      recentSends: state.sends,
      opensLast10: 5,
    };
    for (const c of state.pending) scores[c.id] = heuristicScore(c, ctx);
    const { drops, action } = plan(state, scores, now, DEFAULT_POLICY, mode);
    const dropped = new Set(drops.map((d) => d.candidateId));
    state.pending = state.pending.filter((c) => !dropped.has(c.id));
    if (action.kind === 'idle') break;
    if (action.kind === 'wait') {
      now = action.until;
      continue;
    }
    state.sends.push({
      candidateId: action.candidate.id,
      category: action.candidate.category,
      channel: 'push',
      at: now,
    });
    state.pending = state.pending.filter((c) => c.id !== action.candidate.id);
  }
  return state.sends;
}

describe('the day plan', () => {
  it('spreads a morning’s candidates over the day instead of piling them onto the evening peak', () => {
    // Three social candidates at 09:00 on a Tuesday, 12 h to live: timed one by one, all want 20:00; one goes, the
    // cooldown blocks the others until they expire. Planned together, they take three good hours 4 h apart.
    const batch = () => [0, 1, 2].map(() => candidate('social', paris(4, 9), { businessValue: probability(0.6) }));
    const perCandidate = run(batch(), paris(4, 9), paris(5, 9), 'per_candidate');
    const day = run(batch(), paris(4, 9), paris(5, 9), 'day');
    expect(perCandidate).toHaveLength(1);
    expect(day).toHaveLength(3);
    for (let i = 1; i < day.length; i++) expect(nth(day, i).at - nth(day, i - 1).at).toBeGreaterThanOrEqual(4 * HOUR);
    // The evening peak is still used: the last send is at 20:00.
    expect(nth(day, 2).at).toBe(paris(4, 20));
  });

  it('is exact on small cases where taking the most valuable first is not', () => {
    const slots = [
      { at: paris(3, 8), day: 0, factor: 1 },
      { at: paris(3, 12), day: 0, factor: 3 },
      { at: paris(3, 16), day: 0, factor: 2 },
    ];
    const item = (base: number, until: number) =>
      ({ category: 'social', base, from: 0, until, peak: -1, peakValue: 0, ceiling: Infinity }) as const;
    // b (0.6) expires before slot 2; a (1) can go anywhere. Greedy (the most valuable first, at its best slot) puts a
    // at slot 1 (3) and b at slot 0 (0.6): 3.6. Exact: b at slot 1 (1.8) and a at slot 2 (2): 3.8.
    const planned = planDay({
      slots,
      items: [item(1, 3), item(0.6, 2)],
      dayAllowance: [2],
      totalAllowance: Infinity,
      categoryAllowance: new Map(),
      cooldownMs: hours(4),
      firstSlotBonus: 0,
    });
    expect(planned).toEqual([
      { item: 1, slot: 1 },
      { item: 0, slot: 2 },
    ]);
    // With a daily allowance of 1, only the best single send: a at slot 1.
    expect(
      planDay({
        slots,
        items: [item(1, 3), item(0.5, 2)],
        dayAllowance: [1],
        totalAllowance: Infinity,
        categoryAllowance: new Map(),
        cooldownMs: hours(4),
        firstSlotBonus: 0,
      }),
    ).toEqual([{ item: 0, slot: 1 }]);
    // A category allowance of 1 keeps two of the same category apart.
    expect(
      planDay({
        slots,
        items: [item(1, 3), item(0.9, 3)],
        dayAllowance: [3],
        totalAllowance: Infinity,
        categoryAllowance: new Map([['social', 1]]),
        cooldownMs: hours(4),
        firstSlotBonus: 0,
      }),
    ).toEqual([{ item: 0, slot: 1 }]);
  });
});

describe('the day plan between calls', () => {
  it('plans the same whatever the calls before it left in its reused tables', () => {
    // Day plans of every size, planned once in order and again in reverse order, after larger and smaller ones.
    const inputs = Array.from({ length: 200 }, (_, seed) => dayPlanCase(seed));
    const forward = inputs.map((input) => planDay(input));
    const backward = [...inputs].reverse().map((input) => planDay(input));
    expect(backward.reverse()).toEqual(forward);
    expect(forward.filter((p) => p.length >= 2).length).toBeGreaterThan(10);
  });
});
