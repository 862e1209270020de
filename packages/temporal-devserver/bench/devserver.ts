/**
 * Throughput and latency of the Temporal server used by the tests, with client, worker and server on this machine,
 * measured twice in one run: in memory, and with persistence (`--db-filename`, every change fsynced before it is
 * acknowledged); then the cost of durability per workflow task and per activity task, and the ratios.
 * Defaults to the bundled offline server (TEMPORAL_TEST_SERVER=bundled); set TEMPORAL_TEST_SERVER=temporal to
 * measure Temporal's dev server the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { installQuietRuntime } from '../test/support/quiet-runtime';
import { createTestEnv } from '../src/testing';
import * as activities from './devserver/activities';
import {
  addSignal,
  countQuery,
  parallelActivities,
  signalCounter,
  stopSignal,
  timerSteps,
  trivial,
} from './devserver/workflows';

const WFT_WORKFLOWS = 100;
const WFT_STEPS = 20;
const ACTIVITY_WORKFLOWS = 50;
const ACTIVITIES_PER_WORKFLOW = 20;
const ROUND_TRIPS = 200;
const WARM_UP = 20;

interface Row {
  metric: string;
  value: string;
  detail: string;
  /** The number behind `value` (per second for throughput rows, ms for latency rows). */
  raw: number;
}

function percentile(sortedMs: number[], p: number): number {
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

function latencyRows(name: string, samples: number[], detail: string): Row[] {
  const sorted = [...samples].sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  return [
    { metric: `${name} p50`, value: fmt(p50), detail, raw: p50 },
    { metric: `${name} p99`, value: fmt(p99), detail, raw: p99 },
  ];
}

async function countEvents(handles: WorkflowHandle[], type: temporal.api.enums.v1.EventType): Promise<number> {
  let total = 0;
  for (const handle of handles) {
    const history = await handle.fetchHistory();
    total += (history.events ?? []).filter((e) => e.eventType === type).length;
  }
  return total;
}

async function workflowTaskThroughput(client: Client, taskQueue: string): Promise<Row> {
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: WFT_WORKFLOWS }, () =>
      client.workflow.start(timerSteps, { taskQueue, workflowId: `bench-wft-${randomUUID()}`, args: [WFT_STEPS] }),
    ),
  );
  await Promise.all(handles.map((h) => h.result()));
  const seconds = (performance.now() - started) / 1000;
  const tasks = await countEvents(handles, temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  return {
    metric: 'workflow tasks / s',
    value: (tasks / seconds).toFixed(0),
    raw: tasks / seconds,
    detail: `${tasks} tasks: ${WFT_WORKFLOWS} workflows × ${WFT_STEPS} timers, ${seconds.toFixed(2)} s`,
  };
}

async function activityThroughput(client: Client, taskQueue: string): Promise<Row> {
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: ACTIVITY_WORKFLOWS }, () =>
      client.workflow.start(parallelActivities, {
        taskQueue,
        workflowId: `bench-act-${randomUUID()}`,
        args: [ACTIVITIES_PER_WORKFLOW],
      }),
    ),
  );
  await Promise.all(handles.map((h) => h.result()));
  const seconds = (performance.now() - started) / 1000;
  const tasks = ACTIVITY_WORKFLOWS * ACTIVITIES_PER_WORKFLOW;
  return {
    metric: 'activity tasks / s',
    value: (tasks / seconds).toFixed(0),
    raw: tasks / seconds,
    detail: `${tasks} activities: ${ACTIVITY_WORKFLOWS} workflows × ${ACTIVITIES_PER_WORKFLOW} in parallel, ${seconds.toFixed(2)} s`,
  };
}

async function startToResult(client: Client, taskQueue: string): Promise<Row[]> {
  const samples: number[] = [];
  for (let i = 0; i < WARM_UP + ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await client.workflow.execute(trivial, { taskQueue, workflowId: `bench-rt-${randomUUID()}` });
    if (i >= WARM_UP) samples.push(performance.now() - t0);
  }
  return latencyRows('start → result', samples, `${ROUND_TRIPS} sequential trivial workflows`);
}

async function signalToQuery(client: Client, taskQueue: string): Promise<Row[]> {
  const handle = await client.workflow.start(signalCounter, { taskQueue, workflowId: `bench-sq-${randomUUID()}` });
  const samples: number[] = [];
  for (let i = 1; i <= WARM_UP + ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await handle.signal(addSignal, i);
    while ((await handle.query(countQuery)) < i) {
      // Poll until the signal's workflow task has run and the query sees it.
    }
    if (i > WARM_UP) samples.push(performance.now() - t0);
  }
  await handle.signal(stopSignal);
  await handle.result();
  return latencyRows('signal → query visible', samples, `${ROUND_TRIPS} sequential signals on one workflow`);
}

function printTable(title: string, rows: Row[]): void {
  const widths = [Math.max(6, ...rows.map((r) => r.metric.length)), Math.max(5, ...rows.map((r) => r.value.length))];
  console.log(`\n${title}`);
  console.log(`${'metric'.padEnd(widths[0]!)}  ${'value'.padStart(widths[1]!)}  detail`);
  console.log(`${'-'.repeat(widths[0]!)}  ${'-'.repeat(widths[1]!)}  ${'-'.repeat(40)}`);
  for (const r of rows) console.log(`${r.metric.padEnd(widths[0]!)}  ${r.value.padStart(widths[1]!)}  ${r.detail}`);
}

/** One full measurement on a fresh server: in memory, or keeping its state in `dbFilename`. */
async function measure(dbFilename: string | undefined): Promise<Row[]> {
  const env: TestWorkflowEnvironment = await createTestEnv({
    mode: 'local',
    ...(dbFilename !== undefined ? { dbFilename } : {}),
  });
  try {
    const taskQueue = `bench-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: path.join(__dirname, 'devserver', 'workflows.ts'),
        logger: new DefaultLogger('WARN'),
      }),
      activities,
    });
    return await worker.runUntil(async () => [
      await workflowTaskThroughput(env.client, taskQueue),
      await activityThroughput(env.client, taskQueue),
      ...(await startToResult(env.client, taskQueue)),
      ...(await signalToQuery(env.client, taskQueue)),
    ]);
  } finally {
    await env.teardown();
  }
}

export async function run(): Promise<void> {
  process.env.TEMPORAL_TEST_SERVER ??= 'bundled';
  installQuietRuntime();
  const server = process.env.TEMPORAL_TEST_SERVER;
  const memory = await measure(undefined);
  printTable(`Temporal server (${server}), in memory — client, worker and server on this machine`, memory);
  const dir = mkdtempSync(path.join(tmpdir(), 'devserver-bench-'));
  try {
    const durable = await measure(path.join(dir, 'bench.db'));
    printTable(`Temporal server (${server}), --db-filename (SQLite, fsync per acknowledged change)`, durable);
    const comparison: Row[] = memory.map((m, i) => {
      const d = durable[i]!;
      const throughput = m.metric.endsWith('/ s');
      const ratio = throughput ? d.raw / m.raw : m.raw / d.raw;
      return {
        metric: m.metric,
        value: `${(ratio * 100).toFixed(0)} %`,
        detail: `${d.value} with persistence vs ${m.value} in memory`,
        raw: ratio,
      };
    });
    for (const [name, index] of [
      ['durability cost per workflow task', 0],
      ['durability cost per activity task', 1],
    ] as const) {
      const extraMs = 1000 / durable[index]!.raw - 1000 / memory[index]!.raw;
      comparison.push({
        metric: name,
        value: `${extraMs.toFixed(2)} ms`,
        detail: `1/throughput with persistence minus in memory (${durable[index]!.value} vs ${memory[index]!.value} per s)`,
        raw: extraMs,
      });
    }
    printTable('Persistence relative to in memory (same run; 100 % = no cost)', comparison);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
