/**
 * Worker memory per cached user workflow: the resident memory the Tact worker needs to keep N user
 * workflows in its sticky cache (so a signal is applied without replaying history). Measured as the
 * process RSS growth (workflow code runs in the SDK's worker threads, which the V8 heap of the main
 * thread does not show) between a warmed-up worker and the same worker holding N more workflows,
 * each of which has processed a few events and holds pending candidates. Server and client share the
 * process, so the figure is an upper bound for the worker alone.
 */
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities, createDryRunDeliver, InMemoryDecisionStore } from '../activities';
import { TactUserClient } from '../api/user-client';
import type { UserEvent, EpochMs } from '../domain/types';
import { startDevServer } from '@tact/temporal-devserver';
import { TACT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { createTactWorker, WORKFLOWS_PATH } from '../workers/worker';
import { nth } from '../domain/present';
import { epochMs } from '../domain/units';

const USERS = Number(process.env.BENCH_WORKER_MEMORY_USERS ?? 500);
const EVENTS_PER_USER = 4;
const TASK_QUEUE = 'bench-worker-memory';

function event(userId: string, i: number, now: EpochMs): UserEvent {
  const types = ['friend_joined', 'new_content', 'streak_at_risk', 'comment_reply'] as const;
  const type = nth(types, i % types.length);
  return {
    id: `${userId}-e${i}`,
    userId,
    type,
    occurredAt: now,
    properties: { friendId: `f${i}`, friendName: 'Ana', contentId: `c${i}`, threadId: `t${i}`, authorName: 'Bo' },
  };
}

// A full GC before each reading, so garbage does not count as workflow memory.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return process.memoryUsage().rss;
}

async function applyEvents(users: TactUserClient, ids: string[]): Promise<void> {
  const now = epochMs(Date.now());
  for (let i = 0; i < EVENTS_PER_USER; i += 1) {
    await Promise.all(ids.map((id) => users.sendEvent(event(id, i, now))));
  }
  // Every workflow has processed its events once its state says so (a query also proves it is cached).
  for (const id of ids) {
    for (;;) {
      const state = await users.state(id);
      if (state && state.inboxSize === 0 && state.stats.messagesProcessed >= EVENTS_PER_USER) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Runs the measurement in a fresh process: after other suites the allocator holds freed memory that new
 * workflows reuse without growing RSS, which would make them look free.
 */
export async function run(): Promise<void> {
  const child = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), __filename], {
    stdio: 'inherit',
    env: process.env,
  });
  if (child.status !== 0) throw new Error(`worker-memory measurement failed (exit ${child.status ?? child.signal})`);
}

async function measure(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startDevServer({ port: 0, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES }, logLevel: 'warn' });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const users = new TactUserClient(new Client({ connection }), { taskQueue: TASK_QUEUE });
  const worker = await createTactWorker({
    connection: nativeConnection,
    activities: createActivities({ decisions: new InMemoryDecisionStore(), deliver: createDryRunDeliver() }),
    workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    config: { taskQueue: TASK_QUEUE, maxCachedWorkflows: USERS + 100 },
  });
  const running = worker.run();
  try {
    // Warm up: the first workflows pay for the bundle's V8 context and the worker's pools.
    await applyEvents(
      users,
      Array.from({ length: 20 }, (_, i) => `warm-${i}`),
    );
    const before = await settledRss();
    await applyEvents(
      users,
      Array.from({ length: USERS }, (_, i) => `mem-${i}`),
    );
    const after = await settledRss();
    const perWorkflowKiB = (after - before) / USERS / 1024;
    console.log(`worker memory: ${USERS} cached user workflows (${EVENTS_PER_USER} events each, pending candidates)`);
    console.log(`  RSS before ${(before / 2 ** 20).toFixed(0)} MiB, after ${(after / 2 ** 20).toFixed(0)} MiB`);
    console.log(
      `  ≈ ${perWorkflowKiB.toFixed(0)} KiB per cached workflow (upper bound: server and client share the process)`,
    );
    console.log(
      `  ≈ ${Math.floor((1024 * 1024) / Math.max(perWorkflowKiB, 1)).toLocaleString('en')} cached workflows per GiB`,
    );
  } finally {
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
    await server.stop();
  }
}

if (require.main === module) {
  measure().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
