import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { createTestEnv } from '../../../src/testing';
import { installQuietRuntime } from '../../support/quiet-runtime';
import { uniqueId } from '../support/suite';
import * as activities from './activities';
import { proceed, sleeper, waiter, worker as activityWorkflow } from './workflows';

installQuietRuntime();
const dir = mkdtempSync(path.join(tmpdir(), 'devserver-persistence-'));
const dbFilename = path.join(dir, 'temporal.db');
let env: TestWorkflowEnvironment | undefined;

afterAll(async () => {
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

describe('persistence (--db-filename): a server killed with SIGKILL and started again on the same file', () => {
  it('completes every workflow with the result it would have had', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'workflows.ts'),
      logger: new DefaultLogger('WARN'),
    });
    const taskQueue = uniqueId('persistence');
    const port = await freePort();

    const first = await createTestEnv({ mode: 'local', dbFilename, port });
    env = first;
    // The worker outlives the server (its own connection): it reconnects to the new one on the same address.
    const connection = await NativeConnection.connect({ address: first.address });
    const worker = await Worker.create({ connection, taskQueue, workflowBundle, activities });
    const expectations: [WorkflowHandle, string][] = [];
    const results = worker.runUntil(async () => {
      const start = async (workflow: string, args: unknown[], expected: string): Promise<WorkflowHandle> => {
        const handle = await first.client.workflow.start(workflow, { taskQueue, workflowId: uniqueId(workflow), args });
        expectations.push([handle, expected]);
        return handle;
      };
      await start(sleeper.name, [3_000], 'slept 3000 ms');
      const signalled = await start(waiter.name, [], 'got before the crash');
      await start(activityWorkflow.name, ['persisted'], 'detsisrep');
      // Give the worker time to take the first workflow tasks (timer started, activity running).
      await new Promise((resolve) => setTimeout(resolve, 500));
      await signalled.signal(proceed, 'before the crash');

      // SIGKILL: the server gets no chance to write anything more.
      await first.teardown();
      const second = await createTestEnv({ mode: 'local', dbFilename, port });
      env = second;
      return Promise.all(
        expectations.map(([handle]) => second.client.workflow.getHandle(handle.workflowId).result() as Promise<string>),
      );
    });
    try {
      expect(await results).toEqual(expectations.map(([, expected]) => expected));
    } finally {
      await connection.close();
    }
  });
});
