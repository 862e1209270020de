// Fault drill, sized for CI: the Temporal server is killed and comes back with its state gone. Users have a sent
// notification, a pending one (planned for later) and, for half of them, an event accepted while Temporal was down.
// PostgreSQL rebuilds what was lost: the event accepted during the outage re-creates its user's workflow, which
// re-drives the pending candidate itself (fresh run); for the other half the reconciler re-creates the workflow. Counts
// per notification what reached the (dry-run) provider outbox and per accepted event its outcome or pending state.
import type http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, type Worker } from '@temporalio/worker';
import { startDevServer, type DevServer } from '@tact/temporal-devserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntimeActivities, type RuntimeActivities } from '../../activities/runtime';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { createRepositories, type Repositories } from '../../db/repositories';
import type { Dispatcher } from '../../workers/dispatcher/dispatcher';
import { reconcile, workflowRunning } from '../../workers/dispatcher/reconciler';
import { TemporalUserSignals } from '../../workers/dispatcher/signals';
import { createTactWorker, WORKFLOWS_PATH } from '../../workers/worker';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { callApi, createKeys, eventually, listen, uniqueId } from '../api/support';
import { startTestDispatcher } from '../support/dispatcher';
import { installQuietRuntime } from '../support/quiet-runtime';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { stopWorker } from '../support/worker-lifecycle';
import { wallClock } from '../../clock';
import { nth, present } from '../../domain/present';

const USERS = 12;
const taskQueue = uniqueId('tact-temporal-lost');

let db: TestDatabase;
let repos: Repositories;
let temporal: DevServer | undefined;
let connection: Connection;
let client: Client;
let server: http.Server;
let baseUrl: string;
let adminKey: string;
let dispatcher: Dispatcher | undefined;
let workflowBundle: { code: string };
let worker: { worker: Worker; running: Promise<void>; connection: NativeConnection } | undefined;
let runtime: RuntimeActivities | undefined;

const startTemporal = (port = 0) => startDevServer({ port, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } });
const call = (method: string, path: string, json?: unknown) => callApi(baseUrl, method, path, { key: adminKey, json });

async function startWorker(address: string): Promise<void> {
  const native = await NativeConnection.connect({ address });
  const created = await createTactWorker({
    connection: native,
    activities: present(runtime, 'runtime').activities,
    config: { taskQueue },
    workflowBundle,
  });
  worker = { worker: created, running: created.run(), connection: native };
}

async function stopTheWorker(): Promise<void> {
  if (worker === undefined) return;
  await stopWorker(worker.worker, worker.running);
  await worker.connection.close();
  worker = undefined;
}

beforeAll(async () => {
  installQuietRuntime();
  db = await openTestDatabase();
  repos = createRepositories(db.pool);
  runtime = await createRuntimeActivities({ pool: db.pool, env: {}, log: () => undefined });
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  temporal = await startTemporal();
  connection = Connection.lazy({ address: temporal.address });
  client = new Client({ connection });
  dispatcher = startTestDispatcher(db.pool, new TemporalUserSignals({ client, taskQueue, timeoutMs: 2_000 }));
  const { app } = createApp({
    repos,
    pool: db.pool,
    workflows: new TemporalUserWorkflows({ client, connection, taskQueue, timeoutMs: 2_000 }),
    logger: createLogger({ level: 'silent' }),
    ingest: { onAccepted: () => dispatcher?.wake() },
  });
  ({ server, baseUrl } = await listen(app));
  adminKey = (await createKeys(repos)).admin;
  await startWorker(temporal.address);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dispatcher?.stop();
  await stopTheWorker();
  await runtime?.close();
  await connection.close();
  await temporal?.stop();
  await db.close();
});

async function outboxCount(userId: string, notificationId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM outbox WHERE user_id = $1 AND notification_id = $2',
    [userId, notificationId],
  );
  return Number(nth(rows, 0).n);
}

describe('Temporal lost', () => {
  it('rebuilds every user’s pending work from PostgreSQL: 0 lost, 0 sent twice', async () => {
    const users = Array.from({ length: USERS }, (_, index) => uniqueId(`lost${index}`));
    for (const [index, userId] of users.entries()) {
      const token = 'ab12'.repeat(15) + index.toString(16).padStart(4, '0');
      expect((await call('PUT', `/v1/users/${userId}`, { timeZone: 'UTC', locale: 'en' })).status).toBe(201);
      // Night delivery: the drill does not depend on the time of day.
      expect((await call('PATCH', `/v1/users/${userId}/preferences`, { nightDelivery: true })).status).toBe(200);
      expect((await call('PUT', `/v1/users/${userId}/devices/${token}`, { platform: 'ios' })).status).toBe(201);
    }
    // Per user: a critical notification is sent at once; a social one waits for its planned send time.
    const firstIds = new Map<string, string>();
    const pendingIds = new Map<string, string>();
    for (const userId of users) {
      const first = await call('POST', '/v1/events', { id: 'pw-1', userId, type: 'password_reset' });
      firstIds.set(userId, first.body.candidateIds[0]);
    }
    for (const userId of users) {
      await eventually(`the first notification of ${userId} sent`, async () =>
        (await outboxCount(userId, present(firstIds.get(userId), 'firstIds.get(userId)'))) > 0 ? true : undefined,
      );
      const second = await call('POST', '/v1/events', {
        id: 'fj-2',
        userId,
        type: 'friend_joined',
        properties: { friendId: 'f2', friendName: 'Bo' },
      });
      pendingIds.set(userId, second.body.candidateIds[0]);
    }
    for (const userId of users) {
      await eventually(`the second candidate of ${userId} pending`, async () => {
        const state = await call('GET', `/v1/users/${userId}/state`);
        return state.body.queue?.some((c: { id: string }) => c.id === pendingIds.get(userId)) ? true : undefined;
      });
    }
    await eventually('everything delivered to the first Temporal', async () =>
      (await repos.ingest.lag(wallClock())).undelivered === 0 ? true : undefined,
    );

    // Temporal dies and comes back on the same address with nothing: every workflow is gone.
    const { port } = present(temporal, 'temporal');
    await stopTheWorker();
    await present(temporal, 'temporal').stop();
    temporal = undefined;
    const outageUsers = users.slice(0, USERS / 2);
    const outageIds = new Map<string, string>();
    for (const userId of outageUsers) {
      const during = await call('POST', '/v1/events', {
        id: 'pw-2',
        userId,
        type: 'password_reset',
      });
      expect(during.status).toBe(202);
      outageIds.set(userId, during.body.candidateIds[0]);
    }
    temporal = await startTemporal(port);
    await startWorker(temporal.address);
    expect(await workflowRunning(client)(present(users.at(-1), 'the last of users'))).toBe(false);

    // The outage users' workflows come back with their queued event and re-drive the pending candidate themselves.
    for (const userId of outageUsers) {
      await eventually(`${userId}'s critical event sent after the outage`, async () =>
        (await outboxCount(userId, present(outageIds.get(userId), 'outageIds.get(userId)'))) > 0 ? true : undefined,
      );
    }
    // The others come back through the reconciler.
    const result = await reconcile({ queue: repos.ingest, isRunning: workflowRunning(client), graceMs: 0 });
    expect(result.redrivenUsers).toBe(USERS / 2);
    present(dispatcher, 'dispatcher').wake();
    for (const userId of users) {
      await eventually(`${userId}'s pending candidate back`, async () => {
        const response = await call('GET', `/v1/users/${userId}/state`);
        return response.status === 200 &&
          response.body.queue?.some((c: { id: string }) => c.id === pendingIds.get(userId))
          ? true
          : undefined;
      });
    }
    // A client re-sending a lost event id is told duplicate, and no longer needs to: its work came back.
    expect(
      (await call('POST', '/v1/events', { id: 'fj-2', userId: users.at(-1), type: 'friend_joined' })).body.status,
    ).toBe('duplicate');
    // Per notification: exactly one provider request; per accepted event: one outcome or pending, never two. The
    // pending candidates were not sent by the re-created workflows either.
    for (const userId of users) {
      expect(await outboxCount(userId, present(firstIds.get(userId), 'firstIds.get(userId)'))).toBe(1);
      expect(await outboxCount(userId, present(pendingIds.get(userId), 'pendingIds.get(userId)'))).toBe(0);
      const log = await call('GET', `/v1/users/${userId}/decisions`);
      const ids = log.body.decisions.map((d: { candidateId: string }) => d.candidateId);
      expect(ids.filter((id: string) => id === firstIds.get(userId))).toHaveLength(1);
      expect(ids).not.toContain(pendingIds.get(userId));
    }
    for (const userId of outageUsers)
      expect(await outboxCount(userId, present(outageIds.get(userId), 'outageIds.get(userId)'))).toBe(1);
    // A second pass finds nothing more to do: every running workflow holds its work.
    expect(
      (await reconcile({ queue: repos.ingest, isRunning: workflowRunning(client), graceMs: 0 })).redrivenRows,
    ).toBe(0);
  });
});
