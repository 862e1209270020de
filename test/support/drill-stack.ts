// The stack a fault drill runs on: a PostgreSQL cluster of its own (so it may be stopped), the bundled Temporal server,
// the API in this process and the worker as a real child process (test/support/worker-process.ts) on both. With
// `startAt`, Temporal is a time-skipping test server (test/temporal-env.ts) whose clock starts there, and the worker
// dates its activities by that clock (TACT_CLOCK=activity-schedule).
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '@tact/temporal-devserver';
import { createApp } from '../../api/app';
import { wallClock } from '../../clock';
import { TemporalCampaigns } from '../../api/campaign-client';
import { createLogger } from '../../api/logger';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { migrate } from '../../db/migrate';
import { openDatabase, type Database } from '../../db/pool';
import { createRepositories } from '../../db/repositories';
import { TACT_SEARCH_ATTRIBUTE_KEYS, TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { createTestEnv } from '../temporal-env';
import { callApi, createKeys, listen, uniqueId, type ApiResponse } from '../api/support';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';
import { workerProcess, type WorkerProcess } from './worker-process';
import { epochMs } from '../../domain/units';
import type { EpochMs } from '../../domain/types';

export interface DrillStack {
  pg: ThrowawayPostgres;
  db: Database;
  /** The Temporal client (with time skipping: the test environment's, which skips time while awaiting a result). */
  client: Client;
  taskQueue: string;
  /** The worker process, running once the stack has started. */
  worker: WorkerProcess;
  /** Calls the API with the admin key. */
  call(method: string, urlPath: string, json?: unknown): Promise<ApiResponse>;
  /** The Temporal server's time (the real one without time skipping). */
  now(): Promise<EpochMs>;
  /** Time skipping only: moves the server's clock to `at`; timers due before it fire as it passes them. */
  sleepUntil(at: EpochMs): Promise<void>;
  /** Stops the worker (SIGTERM), the API, Temporal and the cluster; safe after a failed start. */
  close(): Promise<void>;
}

/**
 * `workerEnv`: what the worker process gets on top of the database, Temporal address and task queue. `startAt`: a
 * time-skipping server from that instant (test/support/test-clock.ts has the usual one).
 */
export async function startDrillStack(
  label: string,
  workerEnv: Record<string, string | undefined> = {},
  options: { startAt?: number } = {},
): Promise<DrillStack> {
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    const pg = await startThrowawayPostgres();
    cleanup.push(() => pg.destroy());
    const db = await openDatabase({ databaseUrl: pg.url });
    cleanup.push(() => db.close());
    await migrate(db.pool);
    const temporal = await startTemporal(options.startAt);
    cleanup.push(() => temporal.stop());
    const { connection, client } = temporal;
    const taskQueue = uniqueId(label);
    const repos = createRepositories(db.pool);
    const { app } = createApp({
      repos,
      pool: db.pool,
      workflows: new TemporalUserWorkflows({ client, connection, taskQueue }),
      campaigns: new TemporalCampaigns(client, taskQueue),
      logger: createLogger({ level: 'silent' }),
    });
    const { server, baseUrl } = await listen(app);
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const adminKey = (await createKeys(repos)).admin;
    const worker = workerProcess({
      databaseUrl: pg.url,
      temporalAddress: temporal.address,
      taskQueue,
      env: { ...(options.startAt === undefined ? {} : { TACT_CLOCK: 'activity-schedule' }), ...workerEnv },
    });
    cleanup.push(() => worker.kill('SIGTERM'));
    await worker.start();
    return {
      pg,
      db,
      client,
      taskQueue,
      worker,
      now: temporal.now,
      sleepUntil: temporal.sleepUntil,
      call: (method, urlPath, json) => callApi(baseUrl, method, urlPath, { key: adminKey, json }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface DrillTemporal {
  address: string;
  connection: Connection;
  client: Client;
  now: () => Promise<EpochMs>;
  sleepUntil: (at: number) => Promise<void>;
  stop: () => Promise<void>;
}

async function startTemporal(startAt: number | undefined): Promise<DrillTemporal> {
  if (startAt !== undefined) {
    const env = await createTestEnv({ mode: 'time-skipping', searchAttributes: TACT_SEARCH_ATTRIBUTE_KEYS, startAt });
    return {
      address: env.address,
      connection: env.connection,
      client: env.client,
      now: async () => epochMs(await env.currentTimeMs()),
      sleepUntil: async (at) => {
        const now = await env.currentTimeMs();
        if (at > now) await env.sleep(at - now);
      },
      stop: () => env.teardown(),
    };
  }
  const server = await startDevServer({ port: 0, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } });
  const connection = Connection.lazy({ address: server.address });
  return {
    address: server.address,
    connection,
    client: new Client({ connection }),
    now: async () => wallClock(),
    sleepUntil: () => Promise.reject(new Error('drill stack: sleepUntil needs a time-skipping server (startAt)')),
    stop: async () => {
      await connection.close();
      await server.stop();
    },
  };
}
