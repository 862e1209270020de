// A worker thread's share of the population: users [from, to) under the given policies.
import { parentPort, workerData } from 'node:worker_threads';
import { simulateUser, type RunOptions } from './engine';
import type { PolicyName } from './policies';
import { makeUser, userStreams } from './population';
import { emptyTotals, type Totals } from './totals';
import { nth, present } from '../domain/present';

export interface WorkerTask {
  from: number;
  to: number;
  days: number;
  policies: PolicyName[];
  options: RunOptions;
  /** Keep training rows from every n-th user (of the Tact-with-priors run). */
  rowsEvery: number;
}

export interface WorkerResult {
  totals: Record<string, Totals>;
  rows: { x: number[]; y: number; at: number }[];
}

export function runShare(task: WorkerTask, progress?: (users: number) => void): WorkerResult {
  const totals: Record<string, Totals> = {};
  const rows: WorkerResult['rows'] = [];
  for (const name of task.policies) totals[name] = emptyTotals();
  for (let i = task.from; i < task.to; i++) {
    const user = makeUser(task.options.seed, i);
    const streams = userStreams(task.options.seed, user, task.options.start, task.days);
    for (const name of task.policies) {
      const collect = name === 'tact_prior' && i % task.rowsEvery === 0;
      const { trainUntil, ...rest } = task.options;
      const o = simulateUser(user, streams, name, collect && trainUntil !== undefined ? { ...rest, trainUntil } : rest);
      const t = present(totals[name], `the totals of ${name}`);
      t.users++;
      t.sends += o.sends;
      t.opens += o.opens;
      t.conversions += o.conversions;
      t.optOuts += o.optedOut ? 1 : 0;
      t.uninstalls += o.uninstalled ? 1 : 0;
      t.violations += o.violations.length;
      if (o.violations.length > 0 && t.violationExamples.length < 3) t.violationExamples.push(nth(o.violations, 0));
      if (collect) rows.push(...o.rows);
    }
    progress?.(1);
  }
  return { totals, rows };
}

if (parentPort !== null && workerData !== undefined && workerData !== null) {
  const port = parentPort;
  const result = runShare(workerData as WorkerTask, (n) => port.postMessage({ kind: 'progress', users: n }));
  port.postMessage({ kind: 'done', result });
}
