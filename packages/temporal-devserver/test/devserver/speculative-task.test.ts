// Temporal's speculative workflow task, at the protocol level: an update to an idle run goes out with a task whose
// scheduled and started events are not in history; a worker that only rejects it leaves history as it was (the
// answer says where to roll back), and an event that arrives while the task waits makes it a normal task.
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { namespace, RAW_IDENTITY, useRawService, type WorkflowTask } from './raw-service';

const E = temporal.api.enums.v1.EventType;
const { svc, start, poll, history } = useRawService('speculative');

async function eventTypes(workflowId: string): Promise<number[]> {
  return (await history(workflowId)).map((e) => Number(e.eventType));
}

function sendUpdate(workflowId: string) {
  return svc().updateWorkflowExecution({
    namespace,
    workflowExecution: { workflowId },
    waitPolicy: {
      lifecycleStage:
        temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
    },
    request: { meta: { updateId: randomUUID(), identity: 'client' }, input: { name: 'u' } },
  });
}

async function reject(
  task: WorkflowTask,
): Promise<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse> {
  const request = task.messages[0]!;
  const rejection = temporal.api.update.v1.Rejection.encode({
    rejectedRequestMessageId: request.id ?? null,
    failure: { message: 'invalid' },
  }).finish();
  return await svc().respondWorkflowTaskCompleted({
    taskToken: task.taskToken,
    identity: RAW_IDENTITY,
    commands: [],
    messages: [
      {
        id: `${request.protocolInstanceId}/reject`,
        protocolInstanceId: request.protocolInstanceId ?? null,
        body: { type_url: 'type.googleapis.com/temporal.api.update.v1.Rejection', value: rejection },
      },
    ],
  });
}

async function idleRun(queue: string): Promise<string> {
  const workflowId = await start(queue);
  const first = await poll(queue);
  await svc().respondWorkflowTaskCompleted({ taskToken: first.taskToken, identity: RAW_IDENTITY, commands: [] });
  return workflowId;
}

describe('speculative workflow tasks', () => {
  it('a task that only rejects an update is dropped: history is unchanged and the worker is told to roll back', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await idleRun(queue);
    const before = await eventTypes(workflowId);
    expect(before.at(-1)).toBe(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    const update = sendUpdate(workflowId);
    const task = await poll(queue);
    // The worker sees the task's scheduled and started events; history does not hold them.
    expect(Number(task.startedEventId)).toBe(before.length + 2);
    expect(await eventTypes(workflowId)).toEqual(before);
    const answer = await reject(task);
    expect(Number(answer.resetHistoryEventId)).toBe(before.length - 1);
    expect((await update).outcome?.failure?.message).toBe('invalid');
    expect(await eventTypes(workflowId)).toEqual(before);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });

  it('an event arriving while the task waits makes it a normal task, written to history', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await idleRun(queue);
    const before = await eventTypes(workflowId);
    const update = sendUpdate(workflowId);
    await svc().signalWorkflowExecution({
      namespace,
      workflowExecution: { workflowId },
      signalName: 's',
      requestId: randomUUID(),
    });
    expect(await eventTypes(workflowId)).toEqual([
      ...before,
      E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ]);
    const answer = await reject(await poll(queue));
    expect(Number(answer.resetHistoryEventId ?? 0)).toBe(0);
    expect((await update).outcome?.failure?.message).toBe('invalid');
    expect(await eventTypes(workflowId)).toEqual([
      ...before,
      E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    ]);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });
});
