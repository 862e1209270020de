// The reconciler (docs/ingestion.md "Recovery"): PostgreSQL rebuilds what Temporal lost. It finds users whose
// delivered work still has a candidate without an outcome and whose workflow is not running (Temporal lost it, or
// it was terminated), and queues that work again: the dispatcher's signal-with-start re-creates the workflow, which
// loads the stored settings and recent sends first, then receives the candidates. A workflow re-created by new work
// re-drives the rest itself (activities/user-settings.ts onFreshRun). Runs periodically and as `npm run reconcile`.
import { wallClock } from '../../clock';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { IngestQueueRepository } from '../../db/ingest-queue';
import type { EpochMs } from '../../domain/types';
import { userWorkflowId } from '../../workflows/definitions';
import { nth } from '../../domain/present';
import { durationMs, subMs } from '../../domain/units';

export interface ReconcileResult {
  /** Users with delivered work still undecided. */
  checked: number;
  /** Of those, users without a running workflow, whose work was queued again. */
  redrivenUsers: number;
  redrivenRows: number;
  /** Delivered rows dropped because all their candidates have outcomes. */
  pruned: number;
}

export interface ReconcilerOptions {
  queue: IngestQueueRepository;
  /** Whether the user's workflow is running. */
  isRunning(userId: string): Promise<boolean>;
  now?: () => EpochMs;
  /** Work delivered more recently than this is left alone (its workflow may be starting); default 60 s. */
  graceMs?: number;
  /** Users looked at per page, and checked at once; default 500 and 8. */
  pageSize?: number;
  concurrency?: number;
  /** Called after work was queued again (the dispatcher of the same process starts at once). */
  onRedriven?: () => void;
}

/** Whether the user's workflow is running, through the Temporal client (describe: not a billed action). */
export function workflowRunning(client: Client): (userId: string) => Promise<boolean> {
  return async (userId) => {
    try {
      const description = await client.workflow.getHandle(userWorkflowId(userId)).describe();
      return description.status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  };
}

export async function reconcile(options: ReconcilerOptions): Promise<ReconcileResult> {
  const now = options.now ?? wallClock;
  const pageSize = options.pageSize ?? 500;
  const result: ReconcileResult = { checked: 0, redrivenUsers: 0, redrivenRows: 0, pruned: 0 };
  result.pruned = await options.queue.prune();
  let after = '';
  for (;;) {
    const users = await options.queue.usersWithUndecided(
      subMs(now(), durationMs(options.graceMs ?? 60_000)),
      pageSize,
      after,
    );
    const last = users.at(-1);
    if (last === undefined) break;
    after = last;
    result.checked += users.length;
    let next = 0;
    const lane = async () => {
      while (next < users.length) {
        const userId = nth(users, next++);
        if (await options.isRunning(userId)) continue;
        const rows = await options.queue.redrive(userId);
        if (rows > 0) {
          result.redrivenUsers += 1;
          result.redrivenRows += rows;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, users.length) }, lane));
    if (users.length < pageSize) break;
  }
  if (result.redrivenRows > 0) options.onRedriven?.();
  return result;
}

export interface PeriodicReconciler {
  /** Runs a pass now (and resolves with its result). */
  runNow(): Promise<ReconcileResult>;
  stop(): Promise<void>;
}

/** Reconciles `firstAfterMs` after start (a restart finds lost work at once), then every `intervalMs`. */
export function startReconciler(
  options: ReconcilerOptions & {
    intervalMs: number;
    firstAfterMs?: number;
    log?: (level: 'info' | 'warn', event: string, fields: Record<string, string | number | boolean>) => void;
  },
): PeriodicReconciler {
  let current: Promise<ReconcileResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const runNow = () => {
    current ??= reconcile(options).finally(() => {
      current = undefined;
    });
    return current;
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      runNow()
        .then(
          (result) => {
            if (result.redrivenRows > 0) options.log?.('info', 'reconcile.redriven', { ...result });
          },
          (error: unknown) =>
            options.log?.('warn', 'reconcile.failed', {
              error: error instanceof Error ? error.message : String(error),
            }),
        )
        .finally(() => schedule(options.intervalMs));
    }, delay);
    timer.unref();
  };
  schedule(options.firstAfterMs ?? 5_000);
  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}
