// This server's schedules run on its one clock, so time skipping jumps to a schedule's next action like to a
// workflow timer. (Temporal's own time-skipping test server has no schedules, so this is not a conformance test.)
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DEV_SERVER_EXECUTABLE } from '../../src';
import { installQuietRuntime } from '../support/quiet-runtime';
import { stopWorkerAndServer } from '../support/worker-lifecycle';
import { echo } from '../conformance/schedules/workflows';

const HOUR = 3600_000;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  installQuietRuntime();
  // The SDK gives a server 5 s to start; on a loaded machine that can run out, so try up to three times.
  for (let attempt = 1; ; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: DEV_SERVER_EXECUTABLE } },
      });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'schedules-time-skipping',
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, '../conformance/schedules/workflows.ts'),
      logger: new DefaultLogger('WARN'),
    }),
  });
  running = worker.run();
});

afterAll(async () => {
  await stopWorkerAndServer(worker, running, env);
});

describe('schedules under time skipping', () => {
  it('env.sleep over three hours takes the three hourly actions at their times on the server clock', async () => {
    const startedAt = await env.currentTimeMs();
    const handle = await env.client.schedule.create({
      scheduleId: 'hourly',
      spec: { intervals: [{ every: '1h' }] },
      action: {
        type: 'startWorkflow',
        workflowType: echo.name,
        workflowId: 'hourly-echo',
        taskQueue: 'schedules-time-skipping',
        args: ['tick'],
      },
    });
    await env.sleep(3 * HOUR);
    const d = await handle.describe();
    const firstHour = Math.floor(startedAt / HOUR) * HOUR + HOUR;
    expect(d.info.recentActions.map((a) => a.scheduledAt.getTime())).toEqual([
      firstHour,
      firstHour + HOUR,
      firstHour + 2 * HOUR,
    ]);
    for (const a of d.info.recentActions) {
      expect(a.takenAt.getTime() - a.scheduledAt.getTime()).toBeLessThan(60_000);
      expect(await env.client.workflow.getHandle(a.action.workflow.workflowId).result()).toBe('tick');
    }
  });
});
