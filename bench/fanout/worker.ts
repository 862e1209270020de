// The campaign bench's worker process (forked by bench/campaigns.ts with memory-reporter.ts preloaded): the campaign
// workflow and its activities (activities/campaign.ts, as workers/start.ts wires them) on the campaign task queue.
// No worker polls the user queue, so user workflows are started and signalled but never run: the bench measures the
// hand-over, not the users' planning. On request it also measures the server's own signal-with-start rate from this
// same process, with the same client and concurrency the activities use, which is the ceiling a fan-out can reach.
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createCampaignActivities } from '../../activities/campaign';
import { openDatabase } from '../../db/pool';
import { nth } from '../../domain/present';
import type { Candidate } from '../../domain/types';
import {
  candidateSignal,
  USER_WORKFLOW_TYPE,
  userWorkflowId,
  type UserWorkflowInput,
} from '../../workflows/definitions';
import { WORKFLOWS_PATH } from '../../workers/worker';
import { WORKER_ENV, type BaselineRequest, type FromWorker, type ToWorker } from './protocol';

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (the bench sets it)`);
  return value;
}

function send(message: FromWorker): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const address = setting(WORKER_ENV.address);
  const userQueue = setting(WORKER_ENV.userQueue);
  const concurrency = Number(setting(WORKER_ENV.concurrency));
  const db = await openDatabase({ databaseUrl: setting(WORKER_ENV.databaseUrl) });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address });
  // The activities' own hand-over (activities/campaign.ts), used for the fan-out and for the baseline alike.
  const handOver = async (candidate: Candidate): Promise<void> => {
    const input: UserWorkflowInput = { userId: candidate.userId };
    await client.workflow.signalWithStart(USER_WORKFLOW_TYPE, {
      workflowId: userWorkflowId(candidate.userId),
      taskQueue: userQueue,
      args: [input],
      signal: candidateSignal,
      signalArgs: [candidate],
      staticSummary: 'Tact user: attention budget and notification planner',
    });
  };
  // During the fan-out: the wall time with at least one signal in flight, so the bench can tell the pages' signalling
  // from their database work.
  const signalling = { inFlight: 0, since: 0, busyMs: 0, signals: 0 };
  const timedHandOver = async (candidate: Candidate): Promise<void> => {
    if (signalling.inFlight++ === 0) signalling.since = performance.now();
    try {
      await handOver(candidate);
      signalling.signals += 1;
    } finally {
      if (--signalling.inFlight === 0) signalling.busyMs += performance.now() - signalling.since;
    }
  };
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: setting(WORKER_ENV.campaignQueue),
    workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    activities: createCampaignActivities({
      pool: db.pool,
      client,
      taskQueue: userQueue,
      concurrency,
      signalUser: timedHandOver,
    }),
  });
  const running = worker.run();

  const baseline = async ({ prefix, count, concurrency: lanes }: BaselineRequest): Promise<number> => {
    const now = Date.now();
    const userIds = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < userIds.length) {
          const userId = nth(userIds, next++);
          await handOver({
            id: `${prefix}-candidate`,
            userId,
            category: 'content',
            template: 'new_content',
            variables: {},
            createdAt: now,
            expiresAt: now + 60_000,
            businessValue: 0.5,
            source: 'api',
          });
        }
      }),
    );
    return (performance.now() - started) / 1000;
  };

  const stopped = new Promise<void>((resolve) => {
    process.on('message', (message: ToWorker) => {
      if (message.kind === 'stop') resolve();
      else if (message.kind === 'signal-time')
        send({ kind: 'signal-time', seconds: signalling.busyMs / 1000, signals: signalling.signals });
      else if (message.kind === 'baseline')
        void baseline(message).then(
          (seconds) => send({ kind: 'baseline-done', seconds }),
          (err: unknown) => {
            console.error('baseline failed:', err);
            process.exit(1);
          },
        );
    });
    process.once('disconnect', () => resolve());
  });
  send({ kind: 'ready' });
  await stopped;
  worker.shutdown();
  await running;
  await nativeConnection.close();
  await connection.close();
  await db.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
