// A time-skipping Temporal test server with Tact's search attributes and a Tact worker running on it:
// what an end-to-end test or a bench needs around the real user workflow. Its clock starts at TEST_START_MS,
// never at the real date.
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TactActivities } from '../../activities/types';
import { TACT_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';
import { createTactWorker, tactBundleOptions } from '../../workers/worker';
import { createTestEnv } from '../temporal-env';
import { installQuietRuntime } from './quiet-runtime';
import { TEST_START_MS } from './test-clock';
import { stopWorkerAndServer } from './worker-lifecycle';

export interface TactTestWorker {
  env: TestWorkflowEnvironment;
  /** Stops the worker (letting it finish what it runs), then the test server. */
  stop(): Promise<void>;
}

/** `dataConverter`: the codec the worker runs with (test/support/codec.ts); clients of the test must use the same. */
export async function startTactTestWorker(
  activities: TactActivities,
  taskQueue: string,
  dataConverter?: DataConverter,
): Promise<TactTestWorker> {
  installQuietRuntime();
  const [env, workflowBundle] = await Promise.all([
    createTestEnv({ mode: 'time-skipping', searchAttributes: TACT_SEARCH_ATTRIBUTE_KEYS, startAt: TEST_START_MS }),
    bundleWorkflowCode({ ...tactBundleOptions(dataConverter), logger: new DefaultLogger('WARN') }),
  ]);
  let worker;
  try {
    worker = await createTactWorker({
      connection: env.nativeConnection,
      activities,
      workflowBundle,
      ...(dataConverter ? { dataConverter } : {}),
      config: { taskQueue, namespace: env.namespace ?? 'default' },
    });
  } catch (error) {
    await env.teardown();
    throw error;
  }
  const running = worker.run();
  return {
    env,
    async stop() {
      await stopWorkerAndServer(worker, running, env);
    },
  };
}
