// The Tact worker: runs the user workflows and their activities on one task queue. Composed with the production
// activities in workers/start.ts; its process entry point is workers/main.ts.
import { existsSync } from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { TactActivities } from '../activities/types';
import type { CampaignActivities } from '../workflows/campaign/definitions';
import type { ErasureActivities } from '../workflows/erasure/definitions';
import { DEFAULT_WORKER_CONFIG, type WorkerConfig } from './config';

import { PREBUILT_BUNDLE_PATH, WORKFLOWS_PATH } from './bundle';

export { WORKFLOWS_PATH };

export interface CreateTactWorkerOptions {
  connection: NativeConnection;
  activities: TactActivities;
  /** The erasure workflow's activities (activities/erasure.ts); without them erasures wait for a worker that has them. */
  erasureActivities?: ErasureActivities;
  /** The campaign workflow's activities (activities/campaign.ts); without them campaigns wait for a worker that has them. */
  campaignActivities?: CampaignActivities;
  config?: Partial<WorkerConfig>;
  /**
   * A prebuilt bundle (tests bundle once and start many workers). When absent: the build's bundle next to the
   * compiled worker (PREBUILT_BUNDLE_PATH) if there is one, else bundled from WORKFLOWS_PATH at start.
   */
  workflowBundle?: { code: string };
  /**
   * The payload codec and failure converter (codec/data-converter.ts). A prebuilt bundle must be built with the same
   * failureConverterPath (see tactBundleOptions) for the workflow's own failures to be encoded.
   */
  dataConverter?: DataConverter;
  /** Activity interceptors, e.g. the worker's metrics (workers/metrics.ts). */
  activityInterceptors?: ActivityInterceptorsFactory[];
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
    activities: { ...options.activities, ...options.erasureActivities, ...options.campaignActivities },
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.activityInterceptors ? { interceptors: { activity: options.activityInterceptors } } : {}),
    // The prebuilt bundle is built with the failure converter (workers/bundle.ts).
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : existsSync(PREBUILT_BUNDLE_PATH)
        ? { workflowBundle: { codePath: PREBUILT_BUNDLE_PATH } }
        : { workflowsPath: WORKFLOWS_PATH }),
    maxCachedWorkflows: config.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
    shutdownGraceTime: config.shutdownGraceTimeMs,
  });
}
