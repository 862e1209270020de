// Protocol-level behaviour checked with raw WorkflowService calls (no SDK worker): sticky queue
// fallback, rejected commands, stale task tokens.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import Long from 'long';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { namespace, RAW_IDENTITY, useRawService } from './raw-service';

const enums = temporal.api.enums.v1;
const E = enums.EventType;

const { connection, svc, start, poll, history } = useRawService('raw');

async function eventTypes(workflowId: string): Promise<number[]> {
  return (await history(workflowId)).map((e) => Number(e.eventType));
}

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  return p.then(
    () => undefined,
    (err: { code?: number }) => err.code,
  );
}

describe('sticky queues', () => {
  it('moves a sticky task nobody picks up to the normal queue after its schedule-to-start timeout', async () => {
    const queue = `q-${randomUUID()}`;
    const sticky = `${queue}-sticky`;
    const workflowId = await start(queue);
    const first = await poll(queue);
    await svc().respondWorkflowTaskCompleted({
      taskToken: first.taskToken,
      identity: RAW_IDENTITY,
      commands: [],
      stickyAttributes: {
        workerTaskQueue: { name: sticky, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY },
        scheduleToStartTimeout: { nanos: 200_000_000 },
      },
    });
    // A worker polled the sticky queue once and then died without ShutdownWorker.
    await connection()
      .withDeadline(Date.now() + 50, () => svc().pollWorkflowTaskQueue({ namespace, taskQueue: { name: sticky } }))
      .catch(() => undefined);
    await svc().signalWorkflowExecution({
      namespace,
      workflowExecution: { workflowId },
      signalName: 's',
      requestId: randomUUID(),
    });
    const second = await poll(queue);
    const events = second.history!.events!;
    expect(Number(events[0]!.eventId)).toBe(1); // full history on the normal queue
    expect(
      events.some(
        (e) => e.workflowTaskTimedOutEventAttributes?.timeoutType === enums.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
      ),
    ).toBe(true);
    expect(Number(events.at(-1)!.eventType)).toBe(E.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });

  it('routes to the normal queue at once after ShutdownWorker', async () => {
    const queue = `q-${randomUUID()}`;
    const sticky = `${queue}-sticky`;
    const workflowId = await start(queue);
    const first = await poll(queue);
    await svc().respondWorkflowTaskCompleted({
      taskToken: first.taskToken,
      commands: [],
      stickyAttributes: { workerTaskQueue: { name: sticky }, scheduleToStartTimeout: { seconds: Long.fromNumber(60) } },
    });
    await connection()
      .withDeadline(Date.now() + 50, () => svc().pollWorkflowTaskQueue({ namespace, taskQueue: { name: sticky } }))
      .catch(() => undefined);
    await svc().shutdownWorker({ namespace, stickyTaskQueue: sticky });
    await svc().signalWorkflowExecution({
      namespace,
      workflowExecution: { workflowId },
      signalName: 's',
      requestId: randomUUID(),
    });
    const second = await poll(queue);
    expect(Number(second.history!.events![0]!.eventId)).toBe(1);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });
});

describe('rejected completions', () => {
  it('fails the workflow task naming an unsupported command', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await start(queue);
    const task = await poll(queue);
    const err = await svc()
      .respondWorkflowTaskCompleted({
        taskToken: task.taskToken,
        commands: [
          {
            commandType: enums.CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION,
            scheduleNexusOperationCommandAttributes: {},
          },
        ],
      })
      .catch((e: Error & { code: number }) => e);
    expect((err as { code: number }).code).toBe(status.INVALID_ARGUMENT);
    expect((err as Error).message).toContain('COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION');
    const history = await svc().getWorkflowExecutionHistory({ namespace, execution: { workflowId } });
    const failed = history.history!.events!.find(
      (e) => e.workflowTaskFailedEventAttributes,
    )!.workflowTaskFailedEventAttributes!;
    expect(failed.cause).toBe(enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FEATURE_DISABLED);
    expect(failed.failure?.message).toContain('COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION');
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });

  it('rejects an activity with neither schedule-to-close nor start-to-close timeout', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await start(queue);
    const task = await poll(queue);
    const code = await codeOf(
      svc().respondWorkflowTaskCompleted({
        taskToken: task.taskToken,
        commands: [
          {
            commandType: enums.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
            scheduleActivityTaskCommandAttributes: {
              activityId: '1',
              activityType: { name: 'a' },
              taskQueue: { name: queue },
            },
          },
        ],
      }),
    );
    expect(code).toBe(status.INVALID_ARGUMENT);
    expect(await eventTypes(workflowId)).toContain(E.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });

  it('answers NOT_FOUND for a stale or completed task token', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await start(queue);
    const task = await poll(queue);
    await svc().respondWorkflowTaskCompleted({ taskToken: task.taskToken, commands: [] });
    expect(await codeOf(svc().respondWorkflowTaskCompleted({ taskToken: task.taskToken, commands: [] }))).toBe(
      status.NOT_FOUND,
    );
    expect(await codeOf(svc().respondWorkflowTaskCompleted({ taskToken: Buffer.from('garbage'), commands: [] }))).toBe(
      status.INVALID_ARGUMENT,
    );
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
    expect(
      await codeOf(svc().signalWorkflowExecution({ namespace, workflowExecution: { workflowId }, signalName: 's' })),
    ).toBe(status.NOT_FOUND);
  });
});
