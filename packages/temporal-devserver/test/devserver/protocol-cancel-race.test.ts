// Cancelling a timer or activity that finished while the cancelling workflow task was in flight, driven
// with raw WorkflowService calls so the interleaving is exact (Temporal: AddTimerCanceledEvent /
// AddActivityTaskCancelRequestedEvent in service/history/workflow/mutable_state_impl.go).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { namespace, RAW_IDENTITY, useRawService, type HistoryEvent, type WorkflowTask as Task } from './raw-service';

const enums = temporal.api.enums.v1;
const E = enums.EventType;
const C = enums.CommandType;
// Long enough that the four calls before the task is polled finish first even on a loaded 2-core machine.
const TIMER_MS = 1000;

type Command = temporal.api.command.v1.ICommand;

const { connection, svc, start, poll, history } = useRawService('race');

async function complete(task: Task, commands: Command[]): Promise<void> {
  await svc().respondWorkflowTaskCompleted({ taskToken: task.taskToken, identity: RAW_IDENTITY, commands });
}

async function signal(workflowId: string): Promise<void> {
  await svc().signalWorkflowExecution({
    namespace,
    workflowExecution: { workflowId },
    signalName: 'poke',
    requestId: randomUUID(),
  });
}

const typesOf = (events: HistoryEvent[]) => events.map((e) => Number(e.eventType));

const startTimer: Command = {
  commandType: C.COMMAND_TYPE_START_TIMER,
  startTimerCommandAttributes: { timerId: 't1', startToFireTimeout: { nanos: TIMER_MS * 1_000_000 } },
};
const cancelTimer: Command = {
  commandType: C.COMMAND_TYPE_CANCEL_TIMER,
  cancelTimerCommandAttributes: { timerId: 't1' },
};
const completeWorkflow: Command = {
  commandType: C.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  completeWorkflowExecutionCommandAttributes: {},
};

/** Starts timer t1, then starts a second task (via a signal) and lets t1 fire while that task is in flight. */
async function timerFiresDuringTask(
  queue: string,
): Promise<{ workflowId: string; task: Task; timerStartedId: number }> {
  const workflowId = await start(queue);
  await complete(await poll(queue), [startTimer]);
  const timerStartedId = Number((await history(workflowId)).find((e) => e.timerStartedEventAttributes)!.eventId);
  await signal(workflowId);
  const task = await poll(queue);
  expect(typesOf(task.history!.events!)).not.toContain(E.EVENT_TYPE_TIMER_FIRED);
  await sleep(TIMER_MS * 4); // the in-process server's timer fires meanwhile; its event is buffered
  return { workflowId, task, timerStartedId };
}

describe('CancelTimer for a timer whose TimerFired is buffered', () => {
  it('drops the fired event, writes TimerCanceled, and lets the same task close the workflow', async () => {
    const queue = `q-${randomUUID()}`;
    const { workflowId, task, timerStartedId } = await timerFiresDuringTask(queue);
    await complete(task, [cancelTimer, completeWorkflow]);
    const events = await history(workflowId);
    expect(typesOf(events)).not.toContain(E.EVENT_TYPE_TIMER_FIRED);
    expect(typesOf(events).slice(-3)).toEqual([
      E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      E.EVENT_TYPE_TIMER_CANCELED,
      E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    ]);
    const canceled = events.at(-2)!.timerCanceledEventAttributes!;
    expect(canceled.timerId).toBe('t1');
    expect(Number(canceled.startedEventId)).toBe(timerStartedId);
    expect(Number(canceled.workflowTaskCompletedEventId)).toBe(Number(events.at(-3)!.eventId));
  });

  it('schedules no new task for the dropped event', async () => {
    const queue = `q-${randomUUID()}`;
    const { workflowId, task } = await timerFiresDuringTask(queue);
    await complete(task, [cancelTimer]);
    expect(typesOf(await history(workflowId)).slice(-2)).toEqual([
      E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      E.EVENT_TYPE_TIMER_CANCELED,
    ]);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });

  it('still rejects the close when other events are buffered too, and then delivers the fire and the signal', async () => {
    const queue = `q-${randomUUID()}`;
    const { workflowId, task } = await timerFiresDuringTask(queue);
    await signal(workflowId);
    const err = await complete(task, [cancelTimer, completeWorkflow]).catch((e: Error & { code: number }) => e);
    expect((err as { code?: number } | undefined)?.code).toBe(status.INVALID_ARGUMENT);
    const events = await history(workflowId);
    const failed = events.find((e) => e.workflowTaskFailedEventAttributes)!;
    expect(failed.workflowTaskFailedEventAttributes!.cause).toBe(
      enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    );
    const after = typesOf(events.slice(events.indexOf(failed) + 1));
    expect(after).toContain(E.EVENT_TYPE_TIMER_FIRED);
    expect(after).toContain(E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    expect(after).not.toContain(E.EVENT_TYPE_TIMER_CANCELED);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });

  it('rejects cancelling a timer that never existed', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await start(queue);
    const err = await complete(await poll(queue), [cancelTimer]).catch((e: Error & { code: number }) => e);
    expect((err as { code?: number } | undefined)?.code).toBe(status.INVALID_ARGUMENT);
    const failed = (await history(workflowId)).find((e) => e.workflowTaskFailedEventAttributes)!;
    expect(failed.workflowTaskFailedEventAttributes!.cause).toBe(
      enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
    );
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });
});

describe('RequestCancelActivityTask for an activity whose close event is buffered', () => {
  const scheduleActivity = (queue: string): Command => ({
    commandType: C.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: {
      activityId: 'a1',
      activityType: { name: 'work' },
      taskQueue: { name: queue },
      startToCloseTimeout: { seconds: Long.fromNumber(10) },
    },
  });
  const cancelActivity = (scheduledEventId: number): Command => ({
    commandType: C.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
    requestCancelActivityTaskCommandAttributes: { scheduledEventId: Long.fromNumber(scheduledEventId) },
  });

  it('records the cancel request, then writes the buffered completion and schedules a task for it', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await start(queue);
    await complete(await poll(queue), [scheduleActivity(queue)]);
    const scheduledId = Number(
      (await history(workflowId)).find((e) => e.activityTaskScheduledEventAttributes)!.eventId,
    );
    const activity = await connection().withDeadline(Date.now() + 5000, () =>
      svc().pollActivityTaskQueue({ namespace, taskQueue: { name: queue }, identity: RAW_IDENTITY }),
    );
    await signal(workflowId);
    const task = await poll(queue);
    await svc().respondActivityTaskCompleted({ taskToken: activity.taskToken, identity: RAW_IDENTITY });
    await complete(task, [cancelActivity(scheduledId)]);
    const types = typesOf(await history(workflowId));
    expect(types.slice(types.lastIndexOf(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED))).toEqual([
      E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      E.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
      E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
      E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
      E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ]);
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });

  it('cancels a not-yet-started activity at once with Temporal details, and rejects a second request', async () => {
    const queue = `q-${randomUUID()}`;
    const workflowId = await start(queue);
    await complete(await poll(queue), [scheduleActivity(`${queue}-nobody-polls`)]);
    const scheduledId = Number(
      (await history(workflowId)).find((e) => e.activityTaskScheduledEventAttributes)!.eventId,
    );
    await signal(workflowId);
    await complete(await poll(queue), [cancelActivity(scheduledId)]);
    const events = await history(workflowId);
    const canceled = events.find((e) => e.activityTaskCanceledEventAttributes)!.activityTaskCanceledEventAttributes!;
    expect(Buffer.from(canceled.details!.payloads![0]!.data!).toString()).toBe('"ACTIVITY_ID_NOT_STARTED"');
    expect(canceled.identity).toBe('raw-test');

    const err = await complete(await poll(queue), [cancelActivity(scheduledId)]).catch(
      (e: Error & { code: number }) => e,
    );
    expect((err as { code?: number } | undefined)?.code).toBe(status.INVALID_ARGUMENT);
    const failed = (await history(workflowId)).find((e) => e.workflowTaskFailedEventAttributes)!;
    expect(failed.workflowTaskFailedEventAttributes!.cause).toBe(
      enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
    );
    await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId } });
  });
});
