// The population simulator at full size: `npm run simulate`'s default run (10,000 users × 28 days, seed 1, every
// policy, the model trained on Tact's first two weeks), timed against the 5-minute budget. Prints the table,
// wall and CPU seconds, and the CPU per simulated user (the figure to read on a machine shared with other work).
// BENCH_SIM_USERS / BENCH_SIM_DAYS make it smaller. Run alone with `npx tsx bench/simulator.ts`; bench/run.ts calls run().
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { simulate } from '../simulator/run';

const BUDGET_SECONDS = 300;

export async function run(): Promise<void> {
  const users = Number(process.env.BENCH_SIM_USERS ?? 10_000);
  const days = Number(process.env.BENCH_SIM_DAYS ?? 28);
  const workers = availableParallelism();
  const result = await simulate({
    users,
    days,
    seed: 1,
    workers,
    trainDays: Math.min(14, days - 1),
    out: path.join(tmpdir(), 'tact-bench-simulator'),
  });
  const perUserMs = (1000 * result.cpuSeconds) / users;
  console.log(
    `\n| users × days | wall | CPU | CPU per user | worker threads | budget |\n|---|---:|---:|---:|---:|---:|\n` +
      `| ${users} × ${days} | ${result.wallSeconds.toFixed(0)} s | ${result.cpuSeconds.toFixed(0)} s | ` +
      `${perUserMs.toFixed(1)} ms | ${workers} | ${BUDGET_SECONDS} s: ${result.wallSeconds <= BUDGET_SECONDS ? 'met' : 'NOT met'} |`,
  );
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
