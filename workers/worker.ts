// The Tact worker: runs the user workflows and their activities on one task queue. Its process entry point is
// `npm start` with TACT_ROLE=worker (api/start.ts), which wires the production activities (activities/runtime.ts).
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { TactActivities } from '../activities/types';
import type { ErasureActivities } from '../workflows/erasure/definitions';
import { DEFAULT_WORKER_CONFIG, type WorkerConfig } from './config';

/** The module the workflow bundler starts from (workflows/index.ts). */
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows');

export interface CreateTactWorkerOptions {
  connection: NativeConnection;
  activities: TactActivities;
  /** The erasure workflow's activities (activities/erasure.ts); without them erasures wait for a worker that has them. */
  erasureActivities?: ErasureActivities;
  config?: Partial<WorkerConfig>;
  /** A prebuilt bundle (tests bundle once and start many workers); bundled from WORKFLOWS_PATH when absent. */
  workflowBundle?: { code: string };
  /**
   * The payload codec and failure converter (codec/data-converter.ts). A prebuilt bundle must be built with the same
   * failureConverterPath (see tactBundleOptions) for the workflow's own failures to be encoded.
   */
  dataConverter?: DataConverter;
}

/** What bundleWorkflowCode needs to build the workflow bundle the way Worker.create would. */
export function tactBundleOptions(dataConverter?: DataConverter): {
  workflowsPath: string;
  failureConverterPath?: string;
} {
  return {
    workflowsPath: WORKFLOWS_PATH,
    ...(dataConverter?.failureConverterPath ? { failureConverterPath: dataConverter.failureConverterPath } : {}),
  };
}

export async function createTactWorker(options: CreateTactWorkerOptions): Promise<Worker> {
  const config = { ...DEFAULT_WORKER_CONFIG, ...options.config };
  return Worker.create({
    connection: options.connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: { ...options.activities, ...options.erasureActivities },
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    maxCachedWorkflows: config.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
    shutdownGraceTime: config.shutdownGraceTimeMs,
  });
}
