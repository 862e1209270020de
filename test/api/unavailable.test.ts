// Temporal down: writes are accepted durably (never a 503 after a write), the dispatcher hands them to the workflows
// once Temporal is back, and each candidate ends with one decision; reads that need Temporal answer 503. Uses the
// bundled offline server in-process (test/temporal-env.ts cannot stop and restart a server on the same address).
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
import { versionedPreferences } from '../../activities/runtime';
import { createDispatcher, type Dispatcher } from '../../workers/dispatcher/dispatcher';
import { TemporalUserSignals } from '../../workers/dispatcher/signals';
import { wallClock } from '../../clock';
import { nth, present } from '../../domain/present';

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
let dispatcher: Dispatcher | undefined;
const taskQueue = uniqueId('tact-unavailable');

const startTemporal = (port = 0) => startDevServer({ port, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } });
const call = (method: string, path: string, json?: unknown) => callApi(baseUrl, method, path, { key: adminKey, json });

async function acceptedRows(userId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM events_accepted WHERE user_id = $1', [
    userId,
  ]);
  return Number(nth(rows, 0).n);
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
  dispatcher = createDispatcher({
    queue: repos.ingest,
    settings: { users: repos.users, preferences: versionedPreferences(db.pool) },
    signals: new TemporalUserSignals({ client: new Client({ connection }), taskQueue, timeoutMs: 1_500 }),
    pollMs: 50,
    retryInitialMs: 100,
    retryMaxMs: 500,
  });
  const { app } = createApp({
    repos,
    pool: db.pool,
    workflows,
    ingest: { onAccepted: () => dispatcher?.wake() },
    logger: createLogger({ level: 'silent' }),
    retryAfterSeconds: 2,
  });
  ({ server, baseUrl } = await listen(app));
  adminKey = (await createKeys(repos)).admin;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dispatcher?.stop();
  await stopWorker(worker, running);
  await runtime?.close();
  await nativeConnection?.close();
  await connection.close();
  await temporal?.stop();
  await db.close();
});

/** Events the workflow applied: those it received less the repeats it ignored. */
function applied(stats: { events: number; duplicateEvents: number } | undefined): number | undefined {
  return stats === undefined ? undefined : stats.events - stats.duplicateEvents;
}

describe('Temporal unavailable', () => {
  it('accepts writes durably, answers no 503 after a write, and hands everything over once Temporal is back', async () => {
    const userId = uniqueId('outage');
    expect((await call('PUT', `/v1/users/${userId}`, { timeZone: 'UTC', locale: 'en' })).status).toBe(201);
    expect((await call('PUT', `/v1/users/${userId}/devices/${'c0ffee'.repeat(11)}`, { platform: 'ios' })).status).toBe(
      201,
    );
    const { port } = present(temporal, 'temporal');
    await present(temporal, 'temporal').stop();
    temporal = undefined;

    const event = { id: 'during-outage', userId, type: 'password_reset' };
    const single = await call('POST', '/v1/events', event);
    expect(single.status).toBe(202);
    expect(single.body).toMatchObject({ status: 'accepted', candidateIds: ['during-outage:0'] });
    const batchBody = {
      events: [
        { id: 'batch-1', userId, type: 'new_content', properties: { contentId: 'c1' } },
        { id: 'batch-2', userId: `${userId}-b`, type: 'new_content', properties: { contentId: 'c2' } },
      ],
    };
    const batch = await call('POST', '/v1/events:batch', batchBody);
    expect(batch.status).toBe(202);
    expect(batch.body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await acceptedRows(userId)).toBe(2);
    expect(await acceptedRows(`${userId}-b`)).toBe(1);
    // The preference row is written: the answer says so, and the change is queued for the workflow.
    const preferences = await call('PATCH', `/v1/users/${userId}/preferences`, { nightDelivery: true });
    expect(preferences.status).toBe(200);
    expect(preferences.body.nightDelivery).toBe(true);
    expect((await call('POST', '/v1/events', event)).body.status).toBe('duplicate');
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('ok');
    expect(ready.body.checks.temporal).not.toBe('ok');
    expect(ready.body.ingest.undelivered).toBeGreaterThanOrEqual(4);
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

    const decisions = await eventually('the decision of the event accepted during the outage', async () => {
      const response = await call('GET', `/v1/users/${userId}/decisions`);
      return response.body.decisions?.some((d: { candidateId: string }) => d.candidateId === 'during-outage:0')
        ? response.body.decisions
        : undefined;
    });
    expect(decisions.filter((d: { candidateId: string }) => d.candidateId === 'during-outage:0')).toEqual([
      expect.objectContaining({ outcome: 'sent' }),
    ]);
    await eventually('every queued item delivered', async () =>
      (await repos.ingest.lag(wallClock())).undelivered === 0 ? true : undefined,
    );
    const state = await eventually('the state with the queued preference change', async () => {
      const response = await call('GET', `/v1/users/${userId}/state`);
      return response.status === 200 && applied(response.body.stats) === 2 ? response.body : undefined;
    });
    // Hand-over is at least once: a signal whose answer was lost to the restarting server is sent again, and the
    // workflow ignores the repeat by event id, so each event is applied (admitted) once.
    expect(state.stats.candidatesAdmitted).toBe(2);
    await eventually('the other user’s state', async () => {
      const other = await call('GET', `/v1/users/${userId}-b/state`);
      return other.status === 200 && applied(other.body.stats) === 1 ? true : undefined;
    });
    expect((await call('POST', '/v1/events:batch', batchBody)).body).toMatchObject({ accepted: 0, duplicates: 2 });
    expect((await call('GET', '/readyz')).status).toBe(200);
  });
});
