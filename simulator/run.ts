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
import { parsePolicyOverrides } from '../workers/config';
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

async function main(): Promise<void> {
  const users = arg('users', 10_000);
  const days = arg('days', 28);
  const seed = arg('seed', 1);
  const workers = Math.min(arg('workers', availableParallelism()), users);
  const trainDays = Math.min(arg('train-days', 14), days - 1);
  const out = arg('out', path.join(__dirname, 'out'));
  const began = performance.now();
  // The same policy overrides a deployment sets in TACT_POLICY (e.g. '{"scoreFloor":0.04}'), for every policy.
  const overrides = parsePolicyOverrides(arg('policy', ''));
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
  const md = [
    `${users} users × ${days} days, seed ${seed}; the model scores from day ${trainDays + 1} (priors before).`,
    '',
    table(rows),
    '',
    `Model holdout (days ${Math.floor(trainDays * 0.7) + 1}–${trainDays}): AUC ${evaluation.auc.toFixed(3)}, log-loss ${evaluation.logLoss.toFixed(3)}, ${holdout.length} sends.`,
    `Ran in ${seconds.toFixed(0)} s.`,
  ].join('\n');
  console.log(`\n${md}`);
  for (const r of rows)
    for (const example of r.totals.violationExamples) console.log(`violation (${r.label}): ${example}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'results.md'), md + '\n');
  writeFileSync(path.join(out, 'results.svg'), svg(rows, `${users} users × ${days} days, seed ${seed}`));
  console.log(`wrote ${path.join(out, 'results.md')} and results.svg`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
