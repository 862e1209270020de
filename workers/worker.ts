// The Tact worker: runs the user workflows and their activities on one task queue.
import path from 'node:path';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, createDryRunDeliver, InMemoryDecisionStore } from '../activities';
import type { TactActivities } from '../activities/types';
import { DEFAULT_WORKER_CONFIG, loadWorkerConfig, type WorkerConfig } from './config';

/** The module the workflow bundler starts from (workflows/index.ts). */
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows');

export interface CreateTactWorkerOptions {
  connection: NativeConnection;
  activities: TactActivities;
  config?: Partial<WorkerConfig>;
  /** A prebuilt bundle (tests bundle once and start many workers); bundled from WORKFLOWS_PATH when absent. */
  workflowBundle?: { code: string };
}

export async function createTactWorker(options: CreateTactWorkerOptions): Promise<Worker> {
  const config = { ...DEFAULT_WORKER_CONFIG, ...options.config };
  return Worker.create({
    connection: options.connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: { ...options.activities },
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    maxCachedWorkflows: config.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
    shutdownGraceTime: config.shutdownGraceTimeMs,
  });
}

/** `npm start`: until the PostgreSQL store and real delivery are wired in, decisions stay in memory and delivery is a dry run. */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // SIGINT/SIGTERM stop polling, let running tasks finish (up to the grace time), then worker.run() resolves.
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect({ address: config.address });
  try {
    const worker = await createTactWorker({
      connection,
      config,
      activities: createActivities({ decisions: new InMemoryDecisionStore(), deliver: createDryRunDeliver() }),
    });
    console.log(
      JSON.stringify({
        msg: 'tact worker started',
        taskQueue: config.taskQueue,
        namespace: config.namespace,
        address: config.address,
        delivery: 'DRY RUN',
      }),
    );
    await worker.run();
    console.log(JSON.stringify({ msg: 'tact worker stopped' }));
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
