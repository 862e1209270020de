/**
 * One Temporal test environment, one workflow bundle and one running worker per conformance file.
 *
 * Everything goes through the public SDK and `createTestEnv` from test/temporal-env.ts, so the same
 * files run against Temporal's own servers (`TEMPORAL_TEST_SERVER=temporal`) and the bundled one.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Client } from '@temporalio/client';
import type { SearchAttributeKey } from '../../../src/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import type { WorkerOptions, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { installQuietRuntime } from '../../support/quiet-runtime';
import { createTestEnv } from '../../../src/testing';
import { stopWorkerAndServer } from '../../support/worker-lifecycle';

export type EnvMode = 'local' | 'time-skipping';

export interface SuiteOptions {
  /** `local` = Temporal's dev server semantics (real time); `time-skipping` = the test server. */
  mode: EnvMode;
  /** Absolute path of the file's workflows module. */
  workflowsPath: string;
  activities?: object;
  searchAttributes?: SearchAttributeKey[];
  /** Extra options for the file's shared worker, or `false` for no shared worker. */
  worker?: Partial<WorkerOptions> | false;
}

export interface Suite {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  /** Task queue polled by the file's shared worker. */
  readonly taskQueue: string;
  readonly bundle: WorkflowBundleWithSourceMap;
  /** Another worker on the same bundle (not started): for tests that need their own queue or options. */
  createWorker(options: Partial<WorkerOptions> & { taskQueue: string }): Promise<Worker>;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function defineSuite(options: SuiteOptions): Suite {
  installQuietRuntime();
  const taskQueue = uniqueId('conformance');
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`conformance suite: ${what} used before beforeAll finished`);
    return value;
  };

  const suite: Suite = {
    get env() {
      return required(env, 'env');
    },
    get client() {
      return required(env, 'env').client;
    },
    taskQueue,
    get bundle() {
      return required(bundle, 'bundle');
    },
    async createWorker(overrides) {
      return Worker.create({
        connection: required(env, 'env').nativeConnection,
        workflowBundle: required(bundle, 'bundle'),
        ...(options.activities ? { activities: options.activities } : {}),
        ...overrides,
      });
    },
  };

  beforeAll(async () => {
    [env, bundle] = await Promise.all([
      createTestEnv({ mode: options.mode, searchAttributes: options.searchAttributes }),
      bundleWorkflowCode({ workflowsPath: options.workflowsPath, logger: new DefaultLogger('WARN') }),
    ]);
    if (options.worker !== false) {
      worker = await suite.createWorker({ taskQueue, ...options.worker });
      running = worker.run();
    }
  });

  afterAll(async () => {
    await stopWorkerAndServer(worker, running, env);
  });

  return suite;
}
