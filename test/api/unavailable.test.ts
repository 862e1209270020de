// Temporal down: writes answer 503 with Retry-After, nothing is marked accepted, and the client's
// retry with the same id is applied once Temporal is back. Uses the bundled offline server in-process
// (test/temporal-env.ts cannot stop and restart a server on the same address).
import type http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { createRuntimeActivities, type RuntimeActivities } from '../../activities/runtime';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { createRepositories, type Repositories } from '../../db/repositories';
import { startDevServer, type DevServer } from '@tact/temporal-devserver';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { createTactWorker, WORKFLOWS_PATH } from '../../workers/worker';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { installQuietRuntime } from '../support/quiet-runtime';
import { callApi, createKeys, eventually, listen, uniqueId } from './support';
import { stopWorker } from '../support/worker-lifecycle';

let db: TestDatabase;
let repos: Repositories;
let temporal: DevServer | undefined;
let connection: Connection;
let server: http.Server;
let baseUrl: string;
let adminKey: string;
let nativeConnection: NativeConnection | undefined;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let runtime: RuntimeActivities | undefined;
const taskQueue = uniqueId('tact-unavailable');

const startTemporal = (port = 0) => startDevServer({ port, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } });
const call = (method: string, path: string, json?: unknown) => callApi(baseUrl, method, path, { key: adminKey, json });

async function acceptedRows(userId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM events_accepted WHERE user_id = $1', [
    userId,
  ]);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  installQuietRuntime();
  db = await openTestDatabase();
  repos = createRepositories(db.pool);
  temporal = await startTemporal();
  connection = Connection.lazy({ address: temporal.address });
  const workflows = new TemporalUserWorkflows({
    client: new Client({ connection }),
    connection,
    taskQueue,
    timeoutMs: 1_500,
  });
  const { app } = createApp({
    repos,
    pool: db.pool,
    workflows,
    logger: createLogger({ level: 'silent' }),
    retryAfterSeconds: 2,
  });
  ({ server, baseUrl } = await listen(app));
  adminKey = (await createKeys(repos)).admin;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stopWorker(worker, running);
  await runtime?.close();
  await nativeConnection?.close();
  await connection.close();
  await temporal?.stop();
  await db.close();
});

describe('Temporal unavailable', () => {
  it('answers 503 with Retry-After, applies nothing, and applies the retry once Temporal is back', async () => {
    const userId = uniqueId('outage');
    expect((await call('PUT', `/v1/users/${userId}`, { timeZone: 'UTC', locale: 'en' })).status).toBe(201);
    expect((await call('PUT', `/v1/users/${userId}/devices/${'c0ffee'.repeat(11)}`, { platform: 'ios' })).status).toBe(
      201,
    );
    const { port } = temporal!;
    await temporal!.stop();
    temporal = undefined;

    const event = { id: 'during-outage', userId, type: 'password_reset' };
    const single = await call('POST', '/v1/events', event);
    expect(single.status).toBe(503);
    expect(single.headers.get('retry-after')).toBe('2');
    expect(single.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const batchBody = {
      events: [
        { id: 'batch-1', userId, type: 'new_content', properties: { contentId: 'c1' } },
        { id: 'batch-2', userId: `${userId}-b`, type: 'new_content', properties: { contentId: 'c2' } },
      ],
    };
    const batch = await call('POST', '/v1/events:batch', batchBody);
    expect(batch.status).toBe(503);
    expect(batch.headers.get('retry-after')).toBe('2');
    expect(await acceptedRows(userId)).toBe(0);
    expect(await acceptedRows(`${userId}-b`)).toBe(0);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('ok');
    expect(ready.body.checks.temporal).not.toBe('ok');
    expect((await call('GET', `/v1/users/${userId}/state`)).status).toBe(503);
    // The decision log still answers, from the database alone, and says so.
    const log = await call('GET', `/v1/users/${userId}/decisions`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual({ decisions: [], liveDecisions: 'unavailable' });

    temporal = await startTemporal(port);
    nativeConnection = await NativeConnection.connect({ address: temporal.address });
    worker = await createTactWorker({
      connection: nativeConnection,
      activities: (runtime = await createRuntimeActivities({ pool: db.pool, env: {}, log: () => undefined }))
        .activities,
      config: { taskQueue },
      workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    });
    running = worker.run();

    const retried = await eventually('the retry to be accepted', async () => {
      const response = await call('POST', '/v1/events', event);
      expect([202, 503]).toContain(response.status);
      return response.status === 202 ? response : undefined;
    });
    expect(retried.body.status).toBe('accepted');
    const decisions = await eventually('the decision of the retried event', async () => {
      const response = await call('GET', `/v1/users/${userId}/decisions`);
      return response.body.decisions?.length > 0 ? response.body.decisions : undefined;
    });
    expect(decisions).toEqual([expect.objectContaining({ candidateId: 'during-outage:0', outcome: 'sent' })]);
    const batchRetry = await call('POST', '/v1/events:batch', batchBody);
    expect(batchRetry.status).toBe(202);
    expect(batchRetry.body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect((await call('GET', '/readyz')).status).toBe(200);
  });
});
