// The dispatcher and the reconciler of one process, wired from a pool and a Temporal client (workers/start.ts runs
// them in the worker role by default, and alone in the dispatcher role).
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { versionedPreferences } from '../../activities/runtime';
import { IngestQueueRepository } from '../../db/ingest-queue';
import { UserRepository } from '../../db/users';
import type { RuntimeOptions } from '../../workflows/user-state';
import type { DispatchConfig } from './config';
import { createDispatcher, type Dispatcher } from './dispatcher';
import { startReconciler, workflowRunning, type PeriodicReconciler } from './reconciler';
import { TemporalUserSignals } from './signals';

export interface Dispatching {
  dispatcher: Dispatcher;
  reconciler: PeriodicReconciler | undefined;
  stop(): Promise<void>;
}

export function startDispatching(options: {
  pool: pg.Pool;
  client: Client;
  taskQueue: string;
  config: DispatchConfig;
  workflowOptions?: RuntimeOptions;
  log: (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string | number | boolean>) => void;
}): Dispatching {
  const queue = new IngestQueueRepository(options.pool);
  const dispatcher = createDispatcher({
    queue,
    settings: { users: new UserRepository(options.pool), preferences: versionedPreferences(options.pool) },
    signals: new TemporalUserSignals({
      client: options.client,
      taskQueue: options.taskQueue,
      ...(options.workflowOptions ? { workflowOptions: options.workflowOptions } : {}),
    }),
    concurrency: options.config.concurrency,
    pollMs: options.config.pollMs,
    log: options.log,
  });
  const reconciler =
    options.config.reconcileIntervalMs > 0
      ? startReconciler({
          queue,
          isRunning: workflowRunning(options.client),
          intervalMs: options.config.reconcileIntervalMs,
          onRedriven: () => dispatcher.wake(),
          log: options.log,
        })
      : undefined;
  return {
    dispatcher,
    reconciler,
    async stop() {
      await reconciler?.stop();
      await dispatcher.stop();
    },
  };
}
