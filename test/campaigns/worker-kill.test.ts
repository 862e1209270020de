// Fault drill for the campaign fan-out, sized for CI: the worker is a real child process (`workers/main.ts`) on a
// PostgreSQL cluster of the test's own and the bundled Temporal server. A campaign to 300 users at 20 users/s hands
// pages of 100; the worker is SIGKILLed while a page is in flight (its rows `targeted`, not yet `handed_over`) and a
// new worker process is started. Every member must end targeted once: one target row, and in their own workflow one
// admitted candidate and one decision for the campaign; users handed over before the kill are never signalled again.
import { spawn, type ChildProcess } from 'node:child_process';
import type http from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '@tact/temporal-devserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { TemporalCampaigns } from '../../api/campaign-client';
import { createLogger } from '../../api/logger';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { campaignCandidateId } from '../../domain/campaign';
import { migrate } from '../../db/migrate';
import { openDatabase, type Database } from '../../db/pool';
import { createRepositories } from '../../db/repositories';
import { candidateSignal, stateQuery, userWorkflowId } from '../../workflows/definitions';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { callApi, createKeys, listen, uniqueId } from '../api/support';
import { TEST_START_MS } from '../support/test-clock';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres';
import { waitFor } from '../support/wait';

const USERS = 300;
const RATE_PER_SECOND = 20; // pages of 100 users (rate × 5 s), a few seconds apart: the kill lands mid-fan-out
const ROOT = path.resolve(__dirname, '../..');
const taskQueue = uniqueId('tact-fanout-kill');

let pg: ThrowawayPostgres;
let db: Database;
let temporal: DevServer;
let connection: Connection;
let client: Client;
let server: http.Server;
let baseUrl: string;
let adminKey: string;
let worker: { child: ChildProcess; output: string[] } | undefined;

const call = (method: string, urlPath: string, json?: unknown) =>
  callApi(baseUrl, method, urlPath, { key: adminKey, json });
const workerOutput = () => (worker?.output.join('') ?? '').slice(-4000);

/** Starts `workers/main.ts` as its own process; resolves once it says it is running. */
async function startWorkerProcess(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    TACT_TASK_QUEUE: taskQueue,
    TACT_WORKER_METRICS_PORT: 'off',
    TACT_RECONCILE_INTERVAL_MS: '0',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  worker = { child, output };
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.join('').includes('Tact worker is running')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited (${code ?? signal}) before running:\n${output.join('').slice(-3000)}`)),
    );
  });
}

async function killWorker(signal: NodeJS.Signals): Promise<void> {
  const running = worker;
  worker = undefined;
  if (running === undefined || running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill(signal);
  await exited;
}

beforeAll(async () => {
  pg = await startThrowawayPostgres();
  db = await openDatabase({ databaseUrl: pg.url });
  await migrate(db.pool);
  temporal = await startDevServer({ port: 0, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } });
  connection = Connection.lazy({ address: temporal.address });
  client = new Client({ connection });
  const repos = createRepositories(db.pool);
  const { app } = createApp({
    repos,
    pool: db.pool,
    workflows: new TemporalUserWorkflows({ client, connection, taskQueue }),
    campaigns: new TemporalCampaigns(client, taskQueue),
    logger: createLogger({ level: 'silent' }),
  });
  ({ server, baseUrl } = await listen(app));
  adminKey = (await createKeys(repos)).admin;
  await startWorkerProcess();
}, 180_000);

afterAll(async () => {
  await killWorker('SIGTERM');
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await connection?.close();
  await temporal?.stop();
  await db?.close();
  await pg?.destroy();
}, 120_000);

const targetRows = async (campaignId: string) =>
  (
    await db.pool.query<{ user_id: string; status: string }>(
      'SELECT user_id, status FROM campaign_targets WHERE campaign_id = $1',
      [campaignId],
    )
  ).rows;

/** How many times the user's workflow was handed this candidate (signals in its history, whoever sent them). */
async function handOvers(userId: string, candidateId: string): Promise<number> {
  const history = await client.workflow.getHandle(userWorkflowId(userId)).fetchHistory();
  const decode = (data: Uint8Array | null | undefined) =>
    data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string }) : {};
  return (history.events ?? []).filter((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== candidateSignal.name) return false;
    return (signal.input?.payloads ?? []).some((p) => decode(p.data).id === candidateId);
  }).length;
}

describe('campaign fan-out under a worker kill', () => {
  it('SIGKILLed mid-page and restarted: every member targeted exactly once, the campaign completes', async () => {
    const cohort = uniqueId('kill');
    const users = Array.from({ length: USERS }, (_, i) => `${cohort}-${String(i).padStart(3, '0')}`);
    await db.pool.query(
      `INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at)
       SELECT u.id, 'UTC', 'en', jsonb_build_object('cohort', $3::text), $2, $2 FROM unnest($1::text[]) AS u(id)`,
      [users, new Date(TEST_START_MS), cohort],
    );
    const id = cohort.toLowerCase();
    const created = await call('POST', '/v1/campaigns', {
      id,
      name: 'Fan-out kill drill',
      segment: { field: 'attributes.cohort', op: 'eq', value: cohort },
      message: {
        category: 'marketing',
        template: 'promo_available',
        variables: { offer: 'x', discount: 0.2, ends_at: '2099-03-09T00:00:00Z' },
      },
      ttl: '1m',
      ratePerSecond: RATE_PER_SECOND,
      start: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // A page in flight after at least one page was handed over: rows written `targeted`, signals under way.
    const atKill = await waitFor(
      'a page in flight after the first one',
      async () => {
        const rows = await targetRows(id);
        const handed = rows.filter((r) => r.status === 'handed_over').length;
        const inFlight = rows.filter((r) => r.status === 'targeted').map((r) => r.user_id);
        return handed > 0 && inFlight.length > 0
          ? { handed: new Set(rows.filter((r) => r.status === 'handed_over').map((r) => r.user_id)), inFlight }
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20, describe: workerOutput },
    );
    await killWorker('SIGKILL');
    const progressAtKill = (await call('GET', `/v1/campaigns/${id}`)).body.progress;
    expect(progressAtKill.handedOver).toBeGreaterThan(0);
    expect(progressAtKill.handedOver).toBeLessThan(USERS);
    await startWorkerProcess();

    await waitFor(
      'the campaign completed',
      async () => ((await call('GET', `/v1/campaigns/${id}`)).body.status === 'completed' ? true : undefined),
      { timeoutMs: 240_000, intervalMs: 500, describe: workerOutput },
    );
    const done = await call('GET', `/v1/campaigns/${id}`);
    expect(done.body.progress).toMatchObject({ segmentSize: USERS, targeted: USERS, handedOver: USERS, late: 0 });
    const rows = await targetRows(id);
    expect(rows).toHaveLength(USERS);
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set(users));
    expect(rows.every((r) => r.status === 'handed_over')).toBe(true);

    const candidateId = campaignCandidateId(id);
    const decided = await db.pool.query<{ user_id: string; n: string }>(
      'SELECT user_id, count(*) AS n FROM decisions WHERE candidate_id = $1 GROUP BY user_id',
      [candidateId],
    );
    expect(decided.rows).toHaveLength(USERS);
    expect(decided.rows.every((r) => r.n === '1')).toBe(true);
    let resignalled = 0;
    for (const userId of users) {
      const state = await client.workflow.getHandle(userWorkflowId(userId)).query(stateQuery);
      // Decided once (at admission or later); a second admission would be a second decision or a queued copy.
      expect(state.stats.candidatesAdmitted, userId).toBeLessThanOrEqual(1);
      expect(
        state.queue.filter((c) => c.id === candidateId),
        userId,
      ).toEqual([]);
      expect(
        state.recentDecisions.filter((d) => d.candidateId === candidateId),
        userId,
      ).toHaveLength(1);
      const received = await handOvers(userId, candidateId);
      expect(received, userId).toBeGreaterThanOrEqual(1);
      // Only the page in flight at the kill may be signalled again by its retry; the user workflow keeps one.
      if (atKill.handed.has(userId)) expect(received, `${userId} handed over before the kill`).toBe(1);
      else expect(received, userId).toBeLessThanOrEqual(2);
      if (received > 1) {
        expect(atKill.inFlight, `${userId} re-signalled`).toContain(userId);
        resignalled += 1;
      }
    }
    expect(resignalled).toBeLessThanOrEqual(atKill.inFlight.length);
  }, 420_000);
});
