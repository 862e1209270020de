// Records what the planner decides on the seeded cases of planner-cases.ts (see there). Run only for an intended
// change of decisions: `npx tsx test/domain/record-planner-golden.ts`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
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

const slow: string[] = [];
const timed = <T>(label: string, f: () => T): T => {
  const began = performance.now();
  const result = f();
  const ms = performance.now() - began;
  if (ms > 200) slow.push(`${label}: ${ms.toFixed(0)} ms`);
  return result;
};
const plans = Array.from({ length: PLAN_CASES }, (_, seed) =>
  timed(`plan ${seed}`, () => digest(trajectory(planCase(seed), TRAJECTORY_STEPS))),
);
const dayPlans = Array.from({ length: DAY_PLAN_CASES }, (_, seed) =>
  timed(`day plan ${seed}`, () =>
    planDay(dayPlanCase(seed))
      .map((p) => `${p.item}@${p.slot}`)
      .join(' '),
  ),
);
console.log(slow.join('\n'));
const file = path.join(__dirname, '..', 'fixtures', 'planner-golden.json');
writeFileSync(file, JSON.stringify({ plans, dayPlans }, null, 0) + '\n');
console.log(`wrote ${file}`);
