// Workflow queries. With a workflow task outstanding a query rides on the next task (`queries` map);
// otherwise it goes out as a legacy query task (`query` set, startedEventId 0). Never both at once.
import { randomUUID } from 'node:crypto';
import type { Execution, WorkflowTaskResponse } from './execution';
import type { temporal } from '@temporalio/proto';
import { enums, timestampFromMs, type Decoded, type Message, type Payloads } from './proto';
import { encodeToken } from './tokens';

const STICKY_WORKER_GRACE_MS = 10_000;

export type QueryOutcome =
  | { kind: 'answered'; result?: Payloads | undefined }
  | { kind: 'failed'; message: string; failure?: Message | undefined };

export interface PendingQuery {
  readonly id: string;
  readonly query: Message;
  readonly settled: boolean;
  settle(outcome: QueryOutcome): void;
}

export type WorkflowQueryResult = Decoded<temporal.api.query.v1.IWorkflowQueryResult>;

export function outcomeOfQueryResult(r: WorkflowQueryResult): QueryOutcome {
  if (r.resultType === enums.QueryResultType.QUERY_RESULT_TYPE_FAILED) {
    return { kind: 'failed', message: r.errorMessage ?? 'query failed', failure: r.failure };
  }
  return { kind: 'answered', result: r.answer };
}

export class QueryBroker {
  private readonly legacy = new Map<string, PendingQuery>();

  /** A query that settles exactly once (answer, failure, timeout or caller gone). */
  create(query: Message): { pending: PendingQuery; outcome: Promise<QueryOutcome> } {
    let resolve!: (o: QueryOutcome) => void;
    const outcome = new Promise<QueryOutcome>((r) => (resolve = r));
    const id = randomUUID();
    let settled = false;
    const pending: PendingQuery = {
      id,
      query,
      get settled() {
        return settled;
      },
      settle: (o: QueryOutcome) => {
        if (settled) return;
        settled = true;
        this.legacy.delete(id);
        resolve(o);
      },
    };
    return { pending, outcome };
  }

  dispatchLegacy(exec: Execution, q: PendingQuery): void {
    if (q.settled) return;
    this.legacy.set(q.id, q);
    const sticky = exec.isRunning ? exec.tasks.sticky : undefined;
    const stickyQueue =
      sticky && exec.host.workflowQueue(exec.namespace, sticky.queue).hasRecentPoller(STICKY_WORKER_GRACE_MS)
        ? sticky.queue
        : undefined;
    const queue = exec.host.workflowQueue(exec.namespace, stickyQueue ?? exec.taskQueue);
    const scheduledTime = exec.now();
    queue.offer({
      dispatch: (): WorkflowTaskResponse | null => {
        if (q.settled) return null;
        const fromEventId =
          stickyQueue && exec.tasks.sticky?.queue === stickyQueue ? exec.tasks.lastCompletedStartedEventId + 1 : 1;
        return {
          taskToken: encodeToken({ kind: 'query', namespace: exec.namespace, queryId: q.id }),
          workflowExecution: { workflowId: exec.workflowId, runId: exec.runId },
          workflowType: { name: exec.workflowType },
          previousStartedEventId: exec.tasks.lastCompletedStartedEventId,
          startedEventId: 0,
          attempt: 1,
          history: { events: exec.history.slice(fromEventId) },
          query: q.query,
          workflowExecutionTaskQueue: { name: exec.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          scheduledTime: timestampFromMs(scheduledTime),
          startedTime: timestampFromMs(exec.now()),
        };
      },
      onQueueGone: () => {
        if (exec.tasks.sticky?.queue === stickyQueue) exec.tasks.sticky = undefined;
        this.dispatchLegacy(exec, q);
      },
    });
  }

  respond(queryId: string, outcome: QueryOutcome): boolean {
    const q = this.legacy.get(queryId);
    if (!q) return false;
    q.settle(outcome);
    return true;
  }

  hasOutstanding(): boolean {
    return this.legacy.size > 0;
  }
}
