// The planner's cost per re-plan with 10 and 100 pending candidates (µs per plan() call, plan() calls per second).
// Run alone with `npx tsx bench/planner.ts`; bench/run.ts calls run(). Beside wall-clock time it reports the process's
// CPU time per plan, which a loaded machine inflates much less (compare runs by CPU time, interleaved).
import { categoryPolicy } from '../domain/config';
import { performance } from 'node:perf_hooks';
import { DEFAULT_POLICY } from '../domain/config';
import { plan } from '../domain/planner';
import type { PlanMode, PlannerState } from '../domain/planner';
import { defaultPreferences } from '../domain/user-defaults';
import type { Candidate, Score, SendRecord } from '../domain/types';
import { nth } from '../domain/present';
import { probability, hours, subMs, addMs, durationMs, epochMs, minutes } from '../domain/units';

const CATEGORIES = Object.keys(DEFAULT_POLICY.categories);

const HOUR = hours(1);
const NOW = epochMs(Date.UTC(2024, 9, 26, 14)); // Saturday 16:00 in Paris, the day before clocks go back

/** A deterministic pseudo-random sequence, so every run measures the same work. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) % 4_294_967_296;
    return s / 4_294_967_296;
  };
}

function workload(pendingCount: number): { state: PlannerState; scores: Record<string, Score> } {
  const random = lcg(pendingCount);
  const pending: Candidate[] = [];
  const scores: Record<string, Score> = {};
  for (let i = 0; i < pendingCount; i++) {
    // Mostly normal/promotional candidates, as a real queue would be; no critical (they short-circuit the auction).
    const category = nth(CATEGORIES, 1 + Math.floor(random() * (CATEGORIES.length - 1)));
    const createdAt = subMs(NOW, durationMs(Math.floor(random() * 6 * HOUR)));
    const id = `bench-${i}`;
    pending.push({
      id,
      userId: 'bench-user',
      category,
      template: `${category}.bench`,
      variables: {},
      createdAt,
      expiresAt: addMs(createdAt, categoryPolicy(DEFAULT_POLICY, category).ttlMs),
      businessValue: probability(random()),
      source: 'event',
    });
    scores[id] = {
      candidateId: id,
      expectedValue: probability(random() * 0.5),
      bestSendAt: addMs(NOW, durationMs(Math.floor(random() * 20 * HOUR))),
    };
  }
  const sends: SendRecord[] = [
    {
      candidateId: 's1',
      category: 'social',
      channel: 'push',
      at: subMs(NOW, hours(30)),
      openedAt: subMs(NOW, hours(29)),
    },
    { candidateId: 's2', category: 'content', channel: 'push', at: subMs(NOW, hours(9)) },
    { candidateId: 's3', category: 'marketing', channel: 'email', at: subMs(NOW, hours(3)) },
  ];
  const state: PlannerState = {
    profile: { timeZone: 'Europe/Paris', locale: 'fr-FR' },
    preferences: defaultPreferences(),
    pending,
    sends,
    userSince: subMs(NOW, hours(90 * 24)),
    lastEngagementAt: subMs(NOW, hours(2)),
    // As the workflow plans: with the user's engagement curve (here a new user's, i.e. the population's).
    engagement: new Array<number>(168).fill(0),
  };
  return { state, scores };
}

function measure(
  pendingCount: number,
  mode: PlanMode,
): { usPerPlan: number; cpuUsPerPlan: number; plansPerSecond: number; action: string } {
  const { state, scores } = workload(pendingCount);
  // Re-plans happen at different instants (each signal, each timer); vary `now` like the workflow would.
  const at = (i: number) => addMs(NOW, minutes(i % 240));
  for (let i = 0; i < 200; i++) plan(state, scores, at(i), DEFAULT_POLICY, mode); // warm-up (JIT, formatter cache)
  const iterations = pendingCount >= 100 ? 2_000 : 10_000;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let last = plan(state, scores, NOW, DEFAULT_POLICY, mode);
  for (let i = 0; i < iterations; i++) last = plan(state, scores, at(i), DEFAULT_POLICY, mode);
  const cpu = process.cpuUsage(cpuStart);
  const elapsedMs = performance.now() - start;
  const usPerPlan = (elapsedMs * 1000) / iterations;
  const cpuUsPerPlan = (cpu.user + cpu.system) / iterations;
  return { usPerPlan, cpuUsPerPlan, plansPerSecond: 1e6 / usPerPlan, action: last.action.kind };
}

export async function run(): Promise<void> {
  console.log('planner: cost per re-plan (plan() with scored pending candidates, Europe/Paris, DST weekend)');
  console.log('  baseline: the per-candidate timing the day plan replaced (PlanMode per_candidate), same run');
  for (const pendingCount of [10, 100]) {
    const day = measure(pendingCount, 'day');
    const base = measure(pendingCount, 'per_candidate');
    console.log(
      `  ${String(pendingCount).padStart(3)} pending: day plan ${day.usPerPlan.toFixed(1).padStart(7)} µs/plan ` +
        `(${Math.round(day.plansPerSecond).toLocaleString('en-US')} plans/s; CPU ${day.cpuUsPerPlan.toFixed(1)} µs), ` +
        `per candidate ${base.usPerPlan.toFixed(1).padStart(7)} µs/plan (CPU ${base.cpuUsPerPlan.toFixed(1)} µs), ` +
        `CPU ratio ${(day.cpuUsPerPlan / base.cpuUsPerPlan).toFixed(2)}`,
    );
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
