/**
 * A worker in its own process, so the load test can SIGKILL it (no graceful drain, no ShutdownWorker).
 * Usage: node --import tsx worker-process.ts <address> <namespace> <taskQueue>
 */
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';

async function main(): Promise<void> {
  const [address, namespace, taskQueue] = process.argv.slice(2);
  if (!address || !namespace || !taskQueue)
    throw new Error('usage: worker-process.ts <address> <namespace> <taskQueue>');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'workflows.ts'),
      logger: new DefaultLogger('WARN'),
    }),
    activities,
  });
  const running = worker.run();
  process.stdout.write('worker-ready\n');
  await running;
}

main().catch((err: unknown) => {
  process.stderr.write(`worker process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
// Die with the parent test process.
process.on('disconnect', () => process.exit(1));
