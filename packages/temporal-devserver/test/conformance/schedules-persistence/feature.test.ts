import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { createTestEnv } from '../../../src/testing';
import { installQuietRuntime } from '../../support/quiet-runtime';
import { waitFor } from '../../support/wait';
import { uniqueId } from '../support/suite';
import { echo } from '../schedules/workflows';

installQuietRuntime();
const dir = mkdtempSync(path.join(tmpdir(), 'devserver-schedules-persistence-'));
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

describe('schedules survive a server killed with SIGKILL and started again on the same file', () => {
  it('keeps the schedule, its state and history of actions, and goes on taking actions', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, '../schedules/workflows.ts'),
      logger: new DefaultLogger('WARN'),
    });
    const taskQueue = uniqueId('schedules-persistence');
    const port = await freePort();
    const first = await createTestEnv({ mode: 'local', dbFilename, port });
    env = first;
    const connection = await NativeConnection.connect({ address: first.address });
    const worker = await Worker.create({ connection, taskQueue, workflowBundle });
    const scheduleId = uniqueId('persisted-schedule');
    const paused = uniqueId('persisted-paused');
    await worker.runUntil(async () => {
      const handle = await first.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '2s' }] },
        action: {
          type: 'startWorkflow',
          workflowType: echo.name,
          workflowId: uniqueId('persisted'),
          taskQueue,
          args: ['x'],
        },
        memo: { kept: true },
      });
      await first.client.schedule.create({
        scheduleId: paused,
        spec: { calendars: [{ hour: 9 }], timezone: 'Europe/Paris' },
        action: { type: 'startWorkflow', workflowType: echo.name, workflowId: uniqueId('never'), taskQueue },
        state: { paused: true, note: 'paused before the crash' },
      });
      const before = await waitFor('an action before the crash', async () => {
        const d = await handle.describe();
        return d.info.numActionsTaken >= 1 && d.info.runningActions.length === 0 ? d : undefined;
      });

      // SIGKILL: the server gets no chance to write anything more.
      await first.teardown();
      const second = await createTestEnv({ mode: 'local', dbFilename, port });
      env = second;
      const again = second.client.schedule.getHandle(scheduleId);
      const restored = await again.describe();
      expect(restored.memo).toEqual({ kept: true });
      expect(restored.spec.intervals).toMatchObject([{ every: 2000 }]);
      expect(restored.info.createdAt).toEqual(before.info.createdAt);
      expect(restored.info.recentActions.slice(0, before.info.recentActions.length)).toEqual(before.info.recentActions);
      const pausedDescription = await second.client.schedule.getHandle(paused).describe();
      expect(pausedDescription.state).toMatchObject({ paused: true, note: 'paused before the crash' });
      expect(pausedDescription.spec.timezone).toBe('Europe/Paris');

      // The restarted server goes on: a new action after the restart, whose workflow completes.
      const taken = before.info.numActionsTaken;
      const next = await waitFor(
        'an action after the restart',
        async () => {
          const d = await again.describe();
          return d.info.numActionsTaken > taken + 1 ? d.info.recentActions.at(-1) : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(await second.client.workflow.getHandle(next.action.workflow.workflowId).result()).toBe('x');
    });
    await connection.close();
  });
});
