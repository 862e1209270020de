// The API under test, for real: the app on an ephemeral port reached with fetch, a private database
// (real PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise), Temporal from the project's
// one helper (test/temporal-env.ts; CI uses the bundled offline server) and, when asked, a Tact worker
// with the production activities (PostgreSQL decision log, dry-run outbox delivery).
import type { EnrollSignalInput } from '../../journeys/definitions';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { createCampaignActivities } from '../../activities/campaign';
import { createErasureActivities } from '../../activities/erasure';
import { TemporalCampaigns } from '../../api/campaign-client';
import { createApp } from '../../api/app';
import { TemporalUserErasures } from '../../api/erasure-client';
import { createLogger } from '../../api/logger';
import { createMetrics } from '../../api/metrics';
import { createRuntimeActivities, type RuntimeActivities } from '../../activities/runtime';
import { TemporalUserWorkflows, type UserWorkflows } from '../../api/workflow-gateway';
import type { ApiKeyScope } from '../../db/api-keys';
import { createRepositories, type Repositories } from '../../db/repositories';
import type { EpochMs, NotificationEvent, Preferences, UserProfile } from '../../domain/types';
import type { CandidatesProposal, UserEventSignal } from '../../workflows/definitions';
import type { SessionAggregate } from '../../domain/engagement';
import { TACT_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';
import { createTactWorker, tactBundleOptions } from '../../workers/worker';
import { createTestCodec, type TestCodec } from '../support/codec';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { installQuietRuntime } from '../support/quiet-runtime';
import { waitFor } from '../support/wait';
import { createTestEnv } from '../temporal-env';
import { stopWorker } from '../support/worker-lifecycle';
import { startTestDispatcher } from '../support/dispatcher';
import type { Dispatcher } from '../../workers/dispatcher/dispatcher';
import { TemporalUserSignals, type UserSignals } from '../../workers/dispatcher/signals';
import { wallClock } from '../../clock';

export const UNSUBSCRIBE_SECRET = 'api-test-unsubscribe-secret-0123456789abcdef';

/** Counts every call that reaches the Temporal client boundary, then passes it on. */
export class SpyWorkflows implements UserWorkflows {
  readonly calls: { method: string; userId: string }[] = [];
  constructor(private readonly inner: UserWorkflows) {}

  get signals(): number {
    return this.calls.filter((call) => call.method !== 'state' && call.method !== 'ping').length;
  }
  signalsFor(userId: string, method?: string): number {
    return this.calls.filter(
      (call) => call.userId === userId && call.method !== 'state' && (method === undefined || call.method === method),
    ).length;
  }
  /** Every event signal's payload, in order (what reached Temporal). */
  readonly eventPayloads: UserEventSignal[] = [];
  sendEvent(event: UserEventSignal) {
    this.calls.push({ method: 'sendEvent', userId: event.userId });
    this.eventPayloads.push(event);
    return this.inner.sendEvent(event);
  }
  proposeCandidates(userId: string, proposal: CandidatesProposal) {
    this.calls.push({ method: 'proposeCandidates', userId });
    return this.inner.proposeCandidates(userId, proposal);
  }
  enroll(userId: string, request: EnrollSignalInput) {
    this.calls.push({ method: 'enroll', userId });
    return this.inner.enroll(userId, request);
  }
  appOpened(userId: string, at: EpochMs, sessions?: SessionAggregate) {
    this.calls.push({ method: 'appOpened', userId });
    return this.inner.appOpened(userId, at, sessions);
  }
  updateProfile(userId: string, profile: UserProfile) {
    this.calls.push({ method: 'updateProfile', userId });
    return this.inner.updateProfile(userId, profile);
  }
  updatePreferences(userId: string, preferences: Preferences, version: number) {
    this.calls.push({ method: 'updatePreferences', userId });
    return this.inner.updatePreferences(userId, preferences, version);
  }
  devicesChanged(userId: string, at: EpochMs) {
    this.calls.push({ method: 'devicesChanged', userId });
    return this.inner.devicesChanged(userId, at);
  }
  notificationEvent(userId: string, event: NotificationEvent) {
    this.calls.push({ method: 'notificationEvent', userId });
    return this.inner.notificationEvent(userId, event);
  }
  state(userId: string) {
    this.calls.push({ method: 'state', userId });
    return this.inner.state(userId);
  }
  ping() {
    return this.inner.ping();
  }

  /** The dispatcher's signals (workers/dispatcher/), counted here like the API's own, then passed to `target`. */
  dispatcherSignals(target: UserSignals): UserSignals {
    const count = (method: string, userId: string) => this.calls.push({ method, userId });
    return {
      sendEvent: (event) => {
        count('sendEvent', event.userId);
        this.eventPayloads.push(event);
        return target.sendEvent(event);
      },
      proposeCandidates: (userId, proposal) => {
        count('proposeCandidates', userId);
        return target.proposeCandidates(userId, proposal);
      },
      updateProfile: (userId, profile) => {
        count('updateProfile', userId);
        return target.updateProfile(userId, profile);
      },
      updatePreferences: (userId, preferences, version) => {
        count('updatePreferences', userId);
        return target.updatePreferences(userId, preferences, version);
      },
      devicesChanged: (userId, at) => {
        count('devicesChanged', userId);
        return target.devicesChanged(userId, at);
      },
    };
  }
}

export interface ApiStack {
  baseUrl: string;
  db: TestDatabase;
  repos: Repositories;
  env: TestWorkflowEnvironment;
  /** The codec every client and worker of the stack uses (per-user keys in the stack's database). */
  codec: TestCodec;
  /** A client with the stack's codec; `env.client` is a raw one (no codec). */
  client: Client;
  spy: SpyWorkflows;
  /** The ingestion dispatcher (workers/dispatcher/), woken by the API after it accepted work. */
  dispatcher: Dispatcher;
  /** Resolves once everything accepted so far reached its workflow. */
  delivered(): Promise<void>;
  taskQueue: string;
  keys: Record<'admin' | 'events' | 'usersWrite' | 'usersRead', string>;
  /** fetch against the API with a key (default admin) and a JSON body. */
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
}

export interface CallOptions {
  key?: string | null;
  json?: unknown;
  rawBody?: string | Buffer | undefined;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read many shapes
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function callApi(baseUrl: string, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    headers: response.headers,
    body: type.includes('json') && text !== '' ? JSON.parse(text) : text,
  } satisfies ApiResponse;
}

export async function listen(app: http.RequestListener): Promise<{ server: http.Server; baseUrl: string }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function createKeys(repos: Repositories): Promise<ApiStack['keys']> {
  const make = async (scopes: ApiKeyScope[]) => (await repos.apiKeys.create({ scopes }, wallClock())).key;
  return {
    admin: await make(['admin']),
    events: await make(['events:write']),
    usersWrite: await make(['users:write']),
    usersRead: await make(['users:read']),
  };
}

/** One stack per test file; `worker: false` leaves signalled workflows unprocessed (fuzzing). */
export function useApiStack(options: { worker: boolean }): () => ApiStack {
  let stack: ApiStack | undefined;
  let server: http.Server | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let env: TestWorkflowEnvironment | undefined;
  let db: TestDatabase | undefined;
  let runtime: RuntimeActivities | undefined;
  let dispatcher: Dispatcher | undefined;

  beforeAll(async () => {
    installQuietRuntime();
    db = await openTestDatabase();
    env = await createTestEnv({
      mode: 'local',
      searchAttributes: TACT_SEARCH_ATTRIBUTE_KEYS,
    });
    const repos = createRepositories(db.pool);
    const codec = createTestCodec({ pool: db.pool });
    const client = new Client({
      connection: env.connection,
      namespace: env.namespace ?? 'default',
      dataConverter: codec.dataConverter,
    });
    const taskQueue = uniqueId('tact-api-test');
    if (options.worker) {
      runtime = await createRuntimeActivities({
        pool: db.pool,
        env: { TACT_UNSUBSCRIBE_SECRET: UNSUBSCRIBE_SECRET },
        log: () => undefined,
      });
      const wiring = runtime;
      worker = await createTactWorker({
        connection: env.nativeConnection,
        activities: wiring.activities,
        config: { taskQueue, namespace: env.namespace ?? 'default' },
        dataConverter: codec.dataConverter,
        erasureActivities: createErasureActivities({ pool: db.pool, client, codec: codec.codec }),
        campaignActivities: createCampaignActivities({ pool: db.pool, client, taskQueue }),
        workflowBundle: await bundleWorkflowCode({
          ...tactBundleOptions(codec.dataConverter),
          logger: new DefaultLogger('WARN'),
        }),
      });
      running = worker.run();
    }
    const metrics = createMetrics();
    const spy = new SpyWorkflows(
      new TemporalUserWorkflows({
        client,
        connection: env.connection,
        taskQueue,
        timeoutMs: 10_000,
        metrics,
      }),
    );
    dispatcher = startTestDispatcher(
      db.pool,
      spy.dispatcherSignals(new TemporalUserSignals({ client, taskQueue, timeoutMs: 10_000 })),
    );
    const { app } = createApp({
      repos,
      pool: db.pool,
      workflows: spy,
      ingest: { onAccepted: () => dispatcher?.wake() },
      metrics,
      logger: createLogger({ level: 'silent' }),
      unsubscribeSecret: UNSUBSCRIBE_SECRET,
      erasures: new TemporalUserErasures(client, taskQueue),
      campaigns: new TemporalCampaigns(client, taskQueue),
    });
    const listening = await listen(app);
    server = listening.server;
    const keys = await createKeys(repos);
    const baseUrl = listening.baseUrl;
    stack = {
      baseUrl,
      db,
      repos,
      env,
      codec,
      client,
      spy,
      dispatcher,
      delivered: () =>
        eventually('the dispatcher delivered everything accepted', async () =>
          (await repos.ingest.lag(wallClock())).undelivered === 0 ? true : undefined,
        ).then(() => undefined),
      taskQueue,
      keys,
      call: (method, path, callOptions = {}) =>
        callApi(baseUrl, method, path, {
          ...callOptions,
          key: callOptions.key === undefined ? keys.admin : callOptions.key,
        }),
    };
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await dispatcher?.stop();
    await stopWorker(worker, running);
    await runtime?.close();
    await env?.teardown();
    await db?.close();
  });

  return () => {
    if (stack === undefined) throw new Error('the API stack is not started yet (use it inside a test)');
    return stack;
  };
}

/** Polls `probe` until it returns a value (not undefined), failing with `what` after 30 s: API round trips go through Temporal. */
export function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  return waitFor(what, probe, { timeoutMs: 30_000, intervalMs: 200 });
}
