// The planner decides exactly as recorded before it was optimized (see planner-cases.ts): every drop, action, time
// and reason on seeded random users driven through time, and every day plan on random slot/item inputs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDay } from '../../domain/day-plan';
import {
  DAY_PLAN_CASES,
  PLAN_CASES,
  TRAJECTORY_STEPS,
  dayPlanCase,
  digest,
  planCase,
  trajectory,
} from './planner-cases';

const golden = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'planner-golden.json'), 'utf8')) as {
  plans: string[];
  dayPlans: string[];
};

describe('the planner against its recorded decisions', () => {
  it('re-plans seeded random users through time exactly as recorded', () => {
    expect(golden.plans).toHaveLength(PLAN_CASES);
    const differing: string[] = [];
    for (let seed = 0; seed < PLAN_CASES; seed++) {
      const got = digest(trajectory(planCase(seed), TRAJECTORY_STEPS));
      if (got !== golden.plans[seed]) differing.push(`case ${seed}: ${got}, recorded ${golden.plans[seed]}`);
    }
    expect(differing).toEqual([]);
    // The cases exercise every kind of action, not only idle queues.
    for (const kind of ['send', 'wait', 'idle']) expect(golden.plans.some((p) => p.split(' ')[1] === kind)).toBe(true);
  }, 120_000);

  it('plans seeded random days exactly as recorded', () => {
    expect(golden.dayPlans).toHaveLength(DAY_PLAN_CASES);
    const differing: string[] = [];
    for (let seed = 0; seed < DAY_PLAN_CASES; seed++) {
      const got = planDay(dayPlanCase(seed))
        .map((p) => `${p.item}@${p.slot}`)
        .join(' ');
      if (got !== golden.dayPlans[seed]) differing.push(`case ${seed}: "${got}", recorded "${golden.dayPlans[seed]}"`);
    }
    expect(differing).toEqual([]);
    expect(golden.dayPlans.filter((p) => p.split(' ').length >= 3).length).toBeGreaterThan(100);
  }, 120_000);
});
