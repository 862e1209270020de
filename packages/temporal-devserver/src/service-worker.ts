// Worker-facing WorkflowService methods: polls, task completions, heartbeats, worker shutdown.
import type { temporal } from '@temporalio/proto';
import { completeWorkflowTask } from './workflow-task-completion';
import type { Engine } from './engine';
import { notFound, requireString } from './errors';
import type { ActivityState } from './activities';
import type { Execution } from './execution';
import type { CallContext, WorkflowServiceHandlers } from './grpc';
import { enums, timestampFromMs, type Decoded } from './proto';
import { outcomeOfQueryResult } from './queries';
import { decodeToken } from './tokens';
import { LONG_POLL_MS } from './service-workflows';

type PollRequest =
  | Decoded<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueRequest>
  | Decoded<temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest>;

/** The *ById activity requests all name the activity this way. */
type ById = Pick<
  Decoded<temporal.api.workflowservice.v1.IRespondActivityTaskCompletedByIdRequest>,
  'namespace' | 'workflowId' | 'runId' | 'activityId' | 'identity'
>;

/** Temporal forgets a poller it has not heard from for 5 minutes (matching's pollerHistoryTTL). */
const POLLER_HISTORY_MS = 5 * 60_000;
/** What Temporal reports as a poller's rate when the worker set none. */
const DEFAULT_POLLER_RATE = 100_000;

export function workerHandlers(engine: Engine): WorkflowServiceHandlers {
  const poll = async (kind: 'workflow' | 'activity', req: PollRequest, ctx: CallContext) => {
    const ns = engine.namespace(req.namespace);
    const name = requireString(req.taskQueue?.name, 'TaskQueue');
    const queue = kind === 'workflow' ? engine.workflowQueue(ns.name, name) : engine.activityQueue(ns.name, name);
    const response = await queue.poll(
      { ...ctx, identity: req.identity ?? '', workerInstanceKey: req.workerInstanceKey ?? '' },
      LONG_POLL_MS,
    );
    engine.changed();
    return response ?? {};
  };

  const workflowTaskOwner = (tokenBytes: Uint8Array | undefined): { exec: Execution; seq: number } => {
    const token = decodeToken(tokenBytes, 'workflow');
    if (token.kind !== 'workflow') throw notFound('Workflow task not found.');
    return { exec: engine.find(token.namespace, token.workflowId, token.runId), seq: token.seq };
  };

  const activityByToken = (tokenBytes: Uint8Array | undefined): { exec: Execution; activity: ActivityState } => {
    const token = decodeToken(tokenBytes, 'activity');
    if (token.kind !== 'activity') throw notFound('Activity task not found.');
    const exec = engine.find(token.namespace, token.workflowId, token.runId);
    return { exec, activity: exec.activities.requireStarted(token.scheduledEventId, token.attempt) };
  };

  const activityById = (req: ById): { exec: Execution; activity: ActivityState } => {
    const exec = engine.find(req.namespace, req.workflowId, req.runId);
    const found = exec.activities.findByActivityId(requireString(req.activityId, 'ActivityId'));
    if (!found) throw notFound('Activity task not found.');
    return { exec, activity: exec.activities.requireStarted(found.scheduledEventId, undefined) };
  };

  const done = <T>(result: T): T => {
    engine.changed();
    return result;
  };

  return {
    PollWorkflowTaskQueue: (req, ctx) => poll('workflow', req, ctx),
    PollActivityTaskQueue: (req, ctx) => poll('activity', req, ctx),

    // The legacy form (no `reportStats`, no versioning): who polls the queue, as the UI's Workers tab shows it.
    DescribeTaskQueue: (req) => {
      const ns = engine.namespace(req.namespace);
      const name = requireString(req.taskQueue?.name, 'TaskQueue');
      const queue =
        req.taskQueueType === enums.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY
          ? engine.activityQueue(ns.name, name)
          : engine.workflowQueue(ns.name, name);
      return {
        pollers: queue.recentPollers(POLLER_HISTORY_MS).map((p) => ({
          identity: p.identity,
          lastAccessTime: timestampFromMs(p.lastAccessMs),
          ratePerSecond: DEFAULT_POLLER_RATE,
        })),
      };
    },

    RespondWorkflowTaskCompleted: (req) => {
      const { exec, seq } = workflowTaskOwner(req.taskToken);
      return done(completeWorkflowTask(engine, exec, seq, req));
    },

    RespondWorkflowTaskFailed: (req) => {
      const { exec, seq } = workflowTaskOwner(req.taskToken);
      const wft = exec.tasks.requireStarted(seq);
      engine.log.debug(`workflow task failed: ${exec.workflowId}/${exec.runId} cause ${req.cause ?? 0}`);
      exec.tasks.fail(
        wft,
        req.cause ?? enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED,
        req.failure,
        req.identity,
      );
      return done({});
    },

    RespondQueryTaskCompleted: (req) => {
      const token = decodeToken(req.taskToken, 'query');
      if (token.kind !== 'query') throw notFound('Query task not found.');
      const outcome = outcomeOfQueryResult({
        resultType: req.completedType,
        answer: req.queryResult,
        errorMessage: req.errorMessage,
        failure: req.failure,
      });
      if (!engine.queries.respond(token.queryId, outcome)) throw notFound('Query task not found or already answered.');
      return done({});
    },

    RecordActivityTaskHeartbeat: (req) => {
      const { exec, activity } = activityByToken(req.taskToken);
      return { ...exec.activities.heartbeat(activity, req.details), activityPaused: false, activityReset: false };
    },
    RecordActivityTaskHeartbeatById: (req) => {
      const { exec, activity } = activityById(req);
      return { ...exec.activities.heartbeat(activity, req.details), activityPaused: false, activityReset: false };
    },

    RespondActivityTaskCompleted: (req) => {
      const { exec, activity } = activityByToken(req.taskToken);
      exec.activities.completed(activity, req.result, req.identity ?? '');
      return done({});
    },
    RespondActivityTaskCompletedById: (req) => {
      const { exec, activity } = activityById(req);
      exec.activities.completed(activity, req.result, req.identity ?? '');
      return done({});
    },

    RespondActivityTaskFailed: (req) => {
      const { exec, activity } = activityByToken(req.taskToken);
      exec.activities.failed(activity, req.failure, req.identity ?? '', req.lastHeartbeatDetails);
      return done({ failures: [] });
    },
    RespondActivityTaskFailedById: (req) => {
      const { exec, activity } = activityById(req);
      exec.activities.failed(activity, req.failure, req.identity ?? '', req.lastHeartbeatDetails);
      return done({ failures: [] });
    },

    RespondActivityTaskCanceled: (req) => {
      const { exec, activity } = activityByToken(req.taskToken);
      exec.activities.canceled(activity, req.details, req.identity ?? '');
      return done({});
    },
    RespondActivityTaskCanceledById: (req) => {
      const { exec, activity } = activityById(req);
      exec.activities.canceled(activity, req.details, req.identity ?? '');
      return done({});
    },

    // Like Temporal's server with `workerPollCompleteOnShutdown`: the worker's outstanding polls on its task queue
    // end at once with empty responses, so a worker that waits for its polls (instead of cancelling them and
    // perhaps losing a task already handed out) shuts down promptly.
    ShutdownWorker: (req) => {
      const ns = engine.namespace(req.namespace);
      if (req.stickyTaskQueue) engine.stickyQueueGone(ns.name, req.stickyTaskQueue);
      if (req.workerInstanceKey && req.taskQueue) {
        for (const type of req.taskQueueTypes ?? []) {
          if (type === enums.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
            engine.workflowQueue(ns.name, req.taskQueue).releasePollers(req.workerInstanceKey);
          else if (type === enums.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
            engine.activityQueue(ns.name, req.taskQueue).releasePollers(req.workerInstanceKey);
        }
      }
      return done({});
    },

    ResetStickyTaskQueue: (req) => {
      const exec = engine.find(req.namespace, req.execution?.workflowId, req.execution?.runId);
      if (exec.tasks.sticky) exec.tasks.stickyWorkerGone(exec.tasks.sticky.queue);
      return {};
    },
  };
}
