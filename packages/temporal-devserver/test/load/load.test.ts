/**
 * Load: 200 concurrent workflows with signals, timers and activities; the worker process is SIGKILLed mid-run and
 * replaced. Every workflow must finish with the right result and every signal must arrive exactly once, in order.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestEnv } from '../../src/testing';
import { eventTypeNames } from '../conformance/support/history';
import { uniqueId } from '../conformance/support/suite';
import { addSignal, signalsTimersActivities } from './workflows';

const WORKFLOWS = 200;
const SIGNALS_PER_WORKFLOW = 3;
/** Kill the first worker once this many activities have completed on it (about half of round one). */
const KILL_AFTER_ACTIVITIES = 100;

interface WorkerProcess {
  child: ChildProcess;
  activitiesDone: () => number;
  exited: Promise<NodeJS.Signals | number | null>;
}

async function startWorkerProcess(address: string, namespace: string, taskQueue: string): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'worker-process.ts'), address, namespace, taskQueue],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], cwd: path.join(__dirname, '..', '..') },
  );
  let done = 0;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'worker-ready') resolve();
      if (line === 'activity-done') done++;
    });
    void exited.then((how) => reject(new Error(`worker process exited before it was ready (${String(how)})`)));
  });
  await ready;
  return { child, activitiesDone: () => done, exited };
}

async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const valueFor = (workflow: number, signal: number) => workflow * 10 + signal + 1;

let env: TestWorkflowEnvironment;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  env = await createTestEnv({ mode: 'local' });
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await env?.teardown();
});

describe('load: 200 workflows, signals, timers, activities, a worker SIGKILLed mid-run', () => {
  it('every workflow completes with the right result and no signal is lost', async () => {
    const taskQueue = uniqueId('load');
    const namespace = env.namespace ?? 'default';
    const client = env.client;

    const first = await startWorkerProcess(env.address, namespace, taskQueue);
    workers.push(first);

    const handles = await Promise.all(
      Array.from({ length: WORKFLOWS }, (_, i) =>
        client.workflow.start(signalsTimersActivities, {
          taskQueue,
          workflowId: uniqueId(`load-${i}`),
          args: [i, SIGNALS_PER_WORKFLOW],
        }),
      ),
    );
    const sendRound = (round: number) => Promise.all(handles.map((h, i) => h.signal(addSignal, valueFor(i, round))));

    await sendRound(0);
    await until('the first worker to make progress', () => first.activitiesDone() >= KILL_AFTER_ACTIVITIES);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    // Signals sent while no worker runs must wait in history.
    await sendRound(1);
    const second = await startWorkerProcess(env.address, namespace, taskQueue);
    workers.push(second);
    await sendRound(2);

    const results = await Promise.all(handles.map((h) => h.result()));
    results.forEach((result, i) => {
      const sent = Array.from({ length: SIGNALS_PER_WORKFLOW }, (_, round) => valueFor(i, round));
      expect(result.received).toEqual(sent);
      expect(result.sumOfSquares).toBe(sent.reduce((sum, n) => sum + n * n, 0));
    });
    expect(second.activitiesDone()).toBeGreaterThan(0);

    const signalCounts = await Promise.all(
      handles.map(async (h) => (await eventTypeNames(h)).filter((e) => e === 'WORKFLOW_EXECUTION_SIGNALED').length),
    );
    expect(signalCounts).toEqual(handles.map(() => SIGNALS_PER_WORKFLOW));
    second.child.kill('SIGTERM');
  });
});
