// RespondWorkflowTaskCompleted: answer attached queries, enforce the unhandled-command rule, record the
// completion, apply the commands, then flush buffered events and schedule the next task if needed.
import { CommandError } from './command-error';
import { applyCommands, closesWorkflow, validateCommands, type ValidatedBatch } from './commands';
import type { Engine } from './engine';
import { invalidArgument } from './errors';
import type { Execution } from './execution';
import type { StartedWft } from './workflow-tasks';
import type { temporal } from '@temporalio/proto';
import { enums, msFromDuration, type Decoded, type Message } from './proto';
import { outcomeOfQueryResult, type WorkflowQueryResult } from './queries';
import { isRejection } from './updates';

const DEFAULT_STICKY_SCHEDULE_TO_START_MS = 10_000;

export type CompletionRequest = Decoded<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>;

export function completeWorkflowTask(engine: Engine, exec: Execution, seq: number, req: CompletionRequest): Message {
  const wft = exec.tasks.requireStarted(seq);
  answerQueries(exec, wft, req.queryResults ?? {});
  const commands = req.commands ?? [];
  let batch: ValidatedBatch;
  try {
    batch = validateCommands(exec, commands);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    engine.log.info(`workflow task of ${exec.workflowId} failed: ${err.message}`);
    exec.tasks.fail(
      wft,
      err.failedCause,
      { message: err.message, source: 'Server', serverFailureInfo: { nonRetryable: false } },
      req.identity,
    );
    throw invalidArgument(err.message);
  }
  if (closesWorkflow(commands) && exec.hasBufferedEventsBesidesFiredTimers(batch.canceledTimerIds)) {
    // New events arrived while the task ran: Temporal rejects the close so the workflow sees them first
    // (a buffered TimerFired of a timer the batch cancels does not count: the cancel drops it).
    exec.tasks.fail(
      wft,
      enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
      { message: 'UnhandledCommand', source: 'Server', serverFailureInfo: { nonRetryable: false } },
      req.identity,
    );
    // Core evicts the run on exactly this answer and replays it with the new events.
    throw invalidArgument('UnhandledCommand');
  }
  const stickyQueue = req.stickyAttributes?.workerTaskQueue?.name;
  const sticky = stickyQueue
    ? {
        queue: stickyQueue,
        scheduleToStartMs:
          msFromDuration(req.stickyAttributes?.scheduleToStartTimeout) || DEFAULT_STICKY_SCHEDULE_TO_START_MS,
      }
    : undefined;
  const messages = new Map((req.messages ?? []).map((m) => [m.id ?? '', m]));
  if (
    !req.forceCreateNewWorkflowTask &&
    exec.tasks.discardable(
      wft,
      commands.length > 0,
      [...messages.values()].every(isRejection),
      req.capabilities?.discardSpeculativeWorkflowTaskWithEvents === true,
    )
  ) {
    exec.tasks.discard(wft, sticky);
    exec.applyCommandsThenFlush(() => {
      for (const message of messages.values()) if (exec.isRunning) exec.updates.apply(message);
    }, false);
    if (exec.isRunning && exec.updates.hasAdmitted()) exec.tasks.scheduleSpeculative();
    // Where the worker rolls its history back to: the dropped task's scheduled and started events are gone.
    return { resetHistoryEventId: exec.tasks.lastCompletedStartedEventId };
  }
  const completed = exec.tasks.complete(
    wft,
    {
      identity: req.identity,
      binaryChecksum: req.binaryChecksum,
      workerVersion: req.workerVersionStamp,
      sdkMetadata: req.sdkMetadata,
      meteringMetadata: req.meteringMetadata,
    },
    sticky,
  );
  const afterCommit: (() => void)[] = [];
  exec.applyCommandsThenFlush(() => {
    applyCommands(exec, commands, completed.eventId, engine, afterCommit, req.identity, messages);
    // Messages no command placed (rejections, or a worker that sends none) take effect after the commands.
    for (const message of messages.values()) if (exec.isRunning) exec.updates.apply(message);
  }, !!req.forceCreateNewWorkflowTask);
  // An update admitted while this task ran still needs a task to reach the worker.
  if (exec.isRunning && exec.updates.hasAdmitted()) exec.tasks.scheduleSpeculative();
  for (const effect of afterCommit) {
    setImmediate(() => {
      try {
        effect();
      } catch (err) {
        engine.log.error(
          `cross-workflow effect of ${exec.workflowId} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      engine.changed();
    });
  }
  return {};
}

function answerQueries(exec: Execution, wft: StartedWft, results: Record<string, WorkflowQueryResult>): void {
  for (const q of wft.queries.splice(0)) {
    const result = results[q.id];
    if (result) q.settle(outcomeOfQueryResult(result));
    else if (!q.settled) exec.waitingQueries.push(q);
  }
}
