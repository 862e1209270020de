// An in-process dev server driven with raw WorkflowService calls (no SDK worker), for protocol tests that
// need exact interleavings. Call at a test file's top level: it starts the server in beforeAll.
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll } from 'vitest';
import { startDevServer, type DevServer } from '../../src/server';

export const namespace = 'default';
/** The identity every raw call reports. */
export const RAW_IDENTITY = 'raw-test';
const POLL_DEADLINE_MS = 5000;

export type WorkflowTask = temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface RawService {
  readonly connection: () => Connection;
  readonly svc: () => Connection['workflowService'];
  /** Starts workflow type `Raw` on `taskQueue` with a fresh id beginning with the file's prefix. */
  readonly start: (taskQueue: string) => Promise<string>;
  /** The next workflow task on `taskQueue`; fails if none comes within 5 s. */
  readonly poll: (taskQueue: string) => Promise<WorkflowTask>;
  readonly history: (workflowId: string) => Promise<HistoryEvent[]>;
}

export function useRawService(workflowIdPrefix: string): RawService {
  let server: DevServer | undefined;
  let connection: Connection | undefined;

  beforeAll(async () => {
    server = await startDevServer();
    connection = await Connection.connect({ address: server.address });
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  const conn = () => {
    if (connection === undefined) throw new Error('the dev server is not started yet (use it inside a test)');
    return connection;
  };
  const svc = () => conn().workflowService;

  return {
    connection: conn,
    svc,
    async start(taskQueue) {
      const workflowId = `${workflowIdPrefix}-${randomUUID()}`;
      await svc().startWorkflowExecution({
        namespace,
        workflowId,
        workflowType: { name: 'Raw' },
        taskQueue: { name: taskQueue },
        requestId: randomUUID(),
      });
      return workflowId;
    },
    async poll(taskQueue) {
      const task = await conn().withDeadline(Date.now() + POLL_DEADLINE_MS, () =>
        svc().pollWorkflowTaskQueue({ namespace, taskQueue: { name: taskQueue }, identity: RAW_IDENTITY }),
      );
      if (!task.taskToken?.length) throw new Error(`no workflow task on ${taskQueue} within ${POLL_DEADLINE_MS} ms`);
      return task;
    },
    async history(workflowId) {
      const res = await svc().getWorkflowExecutionHistory({ namespace, execution: { workflowId } });
      return res.history!.events!;
    },
  };
}
