// An in-process dev server, a Client and a running Worker on one task queue, for test/devserver/*.test.ts.
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/server';
import * as activities from './fixtures/activities';

export const silentLogger = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };

export interface Harness {
  server: DevServer;
  connection: Connection;
  nativeConnection: NativeConnection;
  client: Client;
  bundle: WorkflowBundleWithSourceMap;
  taskQueue: string;
  newWorker(taskQueue: string): Promise<Worker>;
  stop(): Promise<void>;
}

export async function startHarness(taskQueue: string, options: DevServerOptions = {}): Promise<Harness> {
  const server = await startDevServer(options);
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'fixtures', 'workflows.ts'),
    logger: silentLogger,
  });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const newWorker = (queue: string) =>
    Worker.create({ connection: nativeConnection, taskQueue: queue, workflowBundle: bundle, activities });
  const worker = await newWorker(taskQueue);
  const running = worker.run();
  return {
    server,
    connection,
    nativeConnection,
    client,
    bundle,
    taskQueue,
    newWorker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      await server.stop();
    },
  };
}
