// `npm run simulate -- [--users 10000] [--days 28] [--seed 1] [--workers 2] [--train-days 14] [--out dir] [--policy JSON]`
// Runs the synthetic population under each policy, trains the open model on Tact's own first weeks, and prints the
// comparison table; writes it with an SVG chart to --out (default simulator/out).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SingleBar } from 'cli-progress';
import { evaluate } from '../activities/model/evaluation';
import { predict, train } from '../activities/model/logistic';
import { SIM_SPACE, type RunOptions } from './engine';
import type { PolicyName } from './policies';
import { table, svg, type PolicyRow } from './report';
import { addTotals, emptyTotals, type Totals } from './totals';
import type { WorkerResult, WorkerTask } from './worker';
import { DEFAULT_POLICY, withOverrides } from '../domain/config';
import { parsePolicyOverrides, type PolicyOverrides } from '../workers/config';

import { present } from '../domain/present';
import { addMs, days, epochMs, scaleMs } from '../domain/units';

const DAY = days(1);
/** A Monday; the population's own clock (no wall clock anywhere in the simulation). */
const START = epochMs(Date.UTC(2026, 0, 5));

const LABELS: Record<PolicyName, string> = {
  blast: '09:00 local blast',
  engaged_hour: 'most-engaged hour',
  tact_prior: 'Tact, priors',
  tact_model: 'Tact, trained model',
};

function arg(name: string, fallback: number): number;
function arg(name: string, fallback: string): string;
function arg(name: string, fallback: number | string): number | string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const raw = process.argv[i + 1];
  if (raw === undefined) throw new Error(`--${name} needs a value`);
  if (typeof fallback === 'string') return raw;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

async function inWorkers(
  users: number,
  workers: number,
  base: Omit<WorkerTask, 'from' | 'to'>,
  label: string,
): Promise<WorkerResult> {
  const bar = new SingleBar({
    format: `${label.padEnd(34)} [{bar}] {value}/{total} users {duration}s`,
    hideCursor: true,
  });
  bar.start(users, 0);
  const shares = Array.from({ length: workers }, (_, w) => ({
    from: Math.floor((w * users) / workers),
    to: Math.floor(((w + 1) * users) / workers),
  }));
  const results = await Promise.all(
    shares.map(
      ({ from, to }) =>
        new Promise<WorkerResult>((resolve, reject) => {
          const worker = new Worker(path.join(__dirname, 'worker.ts'), {
            workerData: { ...base, from, to },
            execArgv: ['--import', 'tsx'],
          });
          worker.on('message', (m: { kind: 'progress'; users: number } | { kind: 'done'; result: WorkerResult }) => {
            if (m.kind === 'progress') bar.increment(m.users);
            else resolve(m.result);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`simulation worker exited ${code}`))));
        }),
    ),
  );
  bar.stop();
  const totals: Record<string, Totals> = {};
  for (const r of results)
    for (const [k, t] of Object.entries(r.totals)) totals[k] = addTotals(totals[k] ?? emptyTotals(), t);
  return { totals, rows: results.flatMap((r) => r.rows) };
}

export interface SimulationOptions {
  users: number;
  days: number;
  seed: number;
  workers: number;
  trainDays: number;
  /** Where results.md and results.svg go. */
  out: string;
  /** TACT_POLICY-style overrides, for every policy. */
  overrides?: PolicyOverrides | undefined;
}

export interface SimulationResult {
  rows: PolicyRow[];
  /** The table and its notes, as written to results.md. */
  markdown: string;
  wallSeconds: number;
  /** CPU of the whole process (every worker thread), a figure less sensitive to a loaded machine than wall time. */
  cpuSeconds: number;
}

/** Runs the population under every policy, trains the model on Tact's first weeks, and writes the comparison. */
export async function simulate(o: SimulationOptions): Promise<SimulationResult> {
  const { users, days, seed, trainDays, out, overrides } = o;
  const workers = Math.min(o.workers, users);
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const trainUntil = addMs(START, scaleMs(DAY, trainDays));
  const options: RunOptions = {
    seed,
    start: START,
    end: addMs(START, scaleMs(DAY, days)),
    trainUntil,
    ...(overrides === undefined ? {} : { config: withOverrides(DEFAULT_POLICY, overrides) }),
  };
  console.log(
    `population: ${users} users × ${days} days, seed ${seed}, ${workers} worker threads` +
      (overrides === undefined ? '' : `, policy ${JSON.stringify(overrides)}`),
  );

  const first = await inWorkers(
    users,
    workers,
    {
      days,
      policies: ['blast', 'engaged_hour', 'tact_prior'],
      options,
      rowsEvery: Math.max(1, Math.floor(users / 4000)),
    },
    'baselines and Tact with priors',
  );

  // The model learns from Tact's own notification log of the first weeks: a time split for the holdout.
  const split = START + Math.floor(trainDays * 0.7) * DAY;
  const fit = first.rows.filter((r) => r.at < split);
  const holdout = first.rows.filter((r) => r.at >= split);
  const bar = new SingleBar({
    format: `${'training the open model'.padEnd(34)} [{bar}] {value}/{total} Newton steps`,
    hideCursor: true,
  });
  bar.start(25, 0);
  const trial = train(
    fit.map((r) => r.x),
    fit.map((r) => r.y),
    { onStep: (step) => bar.update(step) },
  );
  bar.stop();
  const evaluation = evaluate(
    holdout.map((r) => predict(trial, r.x)),
    holdout.map((r) => r.y),
  );
  console.log(
    `model: ${fit.length} training rows, holdout ${holdout.length} rows: AUC ${evaluation.auc.toFixed(3)}, log-loss ${evaluation.logLoss.toFixed(3)}`,
  );
  const model = {
    ...train(
      first.rows.map((r) => r.x),
      first.rows.map((r) => r.y),
    ),
    ...SIM_SPACE,
  };

  const second = await inWorkers(
    users,
    workers,
    {
      days,
      policies: ['tact_model'],
      options: { ...options, model, modelFrom: trainUntil },
      rowsEvery: users + 1,
    },
    `Tact, model from day ${trainDays + 1}`,
  );
  const totals = { ...first.totals, ...second.totals };
  const rows: PolicyRow[] = (['blast', 'engaged_hour', 'tact_prior', 'tact_model'] as const).map((policy) => ({
    policy,
    label: LABELS[policy],
    totals: present(totals[policy], `the totals of ${policy}`),
  }));
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const md = [
    `${users} users × ${days} days, seed ${seed}; the model scores from day ${trainDays + 1} (priors before).`,
    '',
    table(rows),
    '',
    `Model holdout (days ${Math.floor(trainDays * 0.7) + 1}–${trainDays}): AUC ${evaluation.auc.toFixed(3)}, log-loss ${evaluation.logLoss.toFixed(3)}, ${holdout.length} sends.`,
    `Ran in ${seconds.toFixed(0)} s (${cpuSeconds.toFixed(0)} s of CPU over ${workers} worker threads and the main thread).`,
  ].join('\n');
  console.log(`\n${md}`);
  for (const r of rows)
    for (const example of r.totals.violationExamples) console.log(`violation (${r.label}): ${example}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'results.md'), md + '\n');
  writeFileSync(path.join(out, 'results.svg'), svg(rows, `${users} users × ${days} days, seed ${seed}`));
  console.log(`wrote ${path.join(out, 'results.md')} and results.svg`);
  return { rows, markdown: md, wallSeconds: seconds, cpuSeconds };
}

async function main(): Promise<void> {
  await simulate({
    users: arg('users', 10_000),
    days: arg('days', 28),
    seed: arg('seed', 1),
    workers: arg('workers', availableParallelism()),
    trainDays: Math.min(arg('train-days', 14), arg('days', 28) - 1),
    out: arg('out', path.join(__dirname, 'out')),
    // The same policy overrides a deployment sets in TACT_POLICY (e.g. '{"scoreFloor":0.04}'), for every policy.
    overrides: parsePolicyOverrides(arg('policy', '')),
  });
}

// Run as a script (npm run simulate), not when imported (bench/simulator.ts).
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
