// Stopping a test's worker and its Temporal server, the same way in every suite.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';

/** Asks a running worker to shut down and waits until its run() has returned. */
export async function stopWorker(worker: Worker | undefined, running: Promise<void> | undefined): Promise<void> {
  if (worker && worker.getState() === 'RUNNING') worker.shutdown();
  await running;
}

/** Stops the worker, then tears the server down even when the worker failed to stop cleanly. */
export async function stopWorkerAndServer(
  worker: Worker | undefined,
  running: Promise<void> | undefined,
  env: TestWorkflowEnvironment | undefined,
): Promise<void> {
  try {
    await stopWorker(worker, running);
  } finally {
    await env?.teardown();
  }
}
