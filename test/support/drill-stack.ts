// The stack a fault drill runs on: a PostgreSQL cluster of its own (so it may be stopped), the bundled Temporal server,
// the API in this process and the worker as a real child process (test/support/worker-process.ts) on both.
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '@tact/temporal-devserver';
import { createApp } from '../../api/app';
import { TemporalCampaigns } from '../../api/campaign-client';
import { createLogger } from '../../api/logger';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { migrate } from '../../db/migrate';
import { openDatabase, type Database } from '../../db/pool';
import { createRepositories } from '../../db/repositories';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { callApi, createKeys, listen, uniqueId, type ApiResponse } from '../api/support';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';
import { workerProcess, type WorkerProcess } from './worker-process';

export interface DrillStack {
  pg: ThrowawayPostgres;
  db: Database;
  temporal: DevServer;
  client: Client;
  taskQueue: string;
  /** The worker process, running once the stack has started. */
  worker: WorkerProcess;
  /** Calls the API with the admin key. */
  call(method: string, urlPath: string, json?: unknown): Promise<ApiResponse>;
  /** Stops the worker (SIGTERM), the API, Temporal and the cluster; safe after a failed start. */
  close(): Promise<void>;
}

/** `workerEnv`: what the worker process gets on top of the database, Temporal address and task queue. */
export async function startDrillStack(label: string, workerEnv: Record<string, string> = {}): Promise<DrillStack> {
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
    const temporal = await startDevServer({ port: 0, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } });
    cleanup.push(() => temporal.stop());
    const connection = Connection.lazy({ address: temporal.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });
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
    const worker = workerProcess({ databaseUrl: pg.url, temporalAddress: temporal.address, taskQueue, env: workerEnv });
    cleanup.push(() => worker.kill('SIGTERM'));
    await worker.start();
    return {
      pg,
      db,
      temporal,
      client,
      taskQueue,
      worker,
      call: (method, urlPath, json) => callApi(baseUrl, method, urlPath, { key: adminKey, json }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
