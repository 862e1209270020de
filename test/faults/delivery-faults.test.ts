// Fault drills, sized for CI: the worker is a real child process (`workers/main.ts`, with its dispatcher) on a
// PostgreSQL cluster of the test's own; providers are the local wire-level SMS (Twilio shape, replies held 1.5 s after
// the text is taken, so a fault falls between the provider's acceptance and the ledger's record) and APNs servers.
// 1. the worker is SIGKILLed mid-send and restarted; 2. PostgreSQL is stopped mid-send and started again.
// Counted at the providers, per notification: 0 lost; SMS 0 duplicates (the retry finds the text by client
// reference); APNs at most one repeat, with the same apns-id and collapse id (README, delivery guarantees).
import { spawn, type ChildProcess } from 'node:child_process';
import type http from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '@tact/temporal-devserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { migrate } from '../../db/migrate';
import { openDatabase, type Database } from '../../db/pool';
import { createRepositories } from '../../db/repositories';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { callApi, createKeys, listen, uniqueId } from '../api/support';
import { startFakeApns, type FakeApns } from '../delivery/servers/apns';
import { startFakeSms, type FakeSms } from '../delivery/servers/sms';
import { apnsEnv, iosToken } from '../runtime/support';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres';
import { waitFor } from '../support/wait';

const USERS_PER_CHANNEL = 8;
const ROOT = path.resolve(__dirname, '../..');
const taskQueue = uniqueId('tact-faults');

let pg: ThrowawayPostgres;
let db: Database;
let temporal: DevServer;
let connection: Connection;
let sms: FakeSms;
let apns: FakeApns;
let apnsConfig: ReturnType<typeof apnsEnv>;
let server: http.Server;
let baseUrl: string;
let adminKey: string;
let worker: { child: ChildProcess; output: string[] } | undefined;

const call = (method: string, urlPath: string, json?: unknown) =>
  callApi(baseUrl, method, urlPath, { key: adminKey, json });

/** Starts `workers/main.ts` as its own process; resolves once it says it is running. */
async function startWorkerProcess(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    TACT_TASK_QUEUE: taskQueue,
    TACT_DISPATCH_POLL_MS: '100',
    TACT_RECONCILE_INTERVAL_MS: '0',
    // An outcome whose log write failed (database down) is written with the workflow's next activity: soon, here.
    TACT_DECISION_LOG_DELAY_MS: '1000',
    TACT_SMS_ACCOUNT_SID: sms.accountSid,
    TACT_SMS_AUTH_TOKEN: sms.authToken,
    TACT_SMS_FROM: '+15005550006',
    TACT_SMS_BASE_URL: sms.baseUrl,
    ...apnsConfig.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  worker = { child, output };
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.join('').includes('Tact worker is running')) resolve();
    };
    child.stdout.on('data', onData);
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
  [temporal, sms, apns] = await Promise.all([
    startDevServer({ port: 0, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } }),
    startFakeSms(),
    startFakeApns(),
  ]);
  sms.delayReplies(1_500);
  apnsConfig = apnsEnv(apns);
  connection = Connection.lazy({ address: temporal.address });
  const repos = createRepositories(db.pool);
  const { app } = createApp({
    repos,
    pool: db.pool,
    workflows: new TemporalUserWorkflows({ client: new Client({ connection }), connection, taskQueue }),
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
  await Promise.all([sms?.close(), apns?.close()]);
  apnsConfig?.cleanup();
  await db?.close();
  await pg?.destroy();
}, 120_000);

interface Drill {
  phones: Map<string, string>;
  tokens: Map<string, string>;
  candidates: Map<string, string>;
}

/** Users with only a phone and users with only an iPhone, each sent a password reset (critical: at once, day or night). */
async function sendCriticalEvents(label: string, seed: number): Promise<Drill> {
  const drill: Drill = { phones: new Map(), tokens: new Map(), candidates: new Map() };
  for (let index = 0; index < 2 * USERS_PER_CHANNEL; index += 1) {
    const userId = uniqueId(`${label}${index}`);
    expect((await call('PUT', `/v1/users/${userId}`, { timeZone: 'UTC', locale: 'en' })).status).toBe(201);
    if (index % 2 === 0) {
      const phone = `+3361${String(seed + index).padStart(7, '0')}`;
      expect((await call('PUT', `/v1/users/${userId}/endpoints/sms`, { phone })).status).toBe(201);
      drill.phones.set(userId, phone);
    } else {
      const token = iosToken(seed + index);
      expect((await call('PUT', `/v1/users/${userId}/devices/${token}`, { platform: 'ios' })).status).toBe(201);
      drill.tokens.set(userId, token);
    }
  }
  for (const userId of [...drill.phones.keys(), ...drill.tokens.keys()]) {
    const accepted = await call('POST', '/v1/events', { id: `pw-${label}`, userId, type: 'password_reset' });
    expect(accepted.status).toBe(202);
    drill.candidates.set(userId, accepted.body.candidateIds[0]);
  }
  return drill;
}

const textsTo = (phone: string) => sms.messages.filter((m) => m.to === phone);

/** Waits until every user's notification has its outcome in the decision log, then counts per notification. */
async function expectDeliveredOnce(drill: Drill): Promise<{ apnsRepeats: number }> {
  for (const [userId, candidateId] of drill.candidates) {
    await waitFor(
      `the outcome of ${userId}'s notification`,
      async () => {
        const log = await call('GET', `/v1/users/${userId}/decisions`);
        return log.status === 200 &&
          log.body.decisions.some((d: { candidateId: string }) => d.candidateId === candidateId)
          ? true
          : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, describe: () => (worker?.output.join('') ?? '').slice(-4000) },
    );
    const log = await call('GET', `/v1/users/${userId}/decisions`);
    const outcomes = log.body.decisions.filter((d: { candidateId: string }) => d.candidateId === candidateId);
    expect(outcomes, `${userId}: one outcome, sent`).toMatchObject([{ outcome: 'sent' }]);
  }
  for (const phone of drill.phones.values()) {
    expect(textsTo(phone), `texts to ${phone}`).toHaveLength(1);
  }
  let apnsRepeats = 0;
  for (const token of drill.tokens.values()) {
    const requests = apns.requestsFor(token);
    expect(requests.length, 'APNs requests per notification').toBeGreaterThanOrEqual(1);
    expect(requests.length, 'APNs requests per notification').toBeLessThanOrEqual(2);
    expect(new Set(requests.map((r) => r.headers['apns-id'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers['apns-collapse-id'])).size).toBe(1);
    apnsRepeats += requests.length - 1;
  }
  return { apnsRepeats };
}

describe('delivery faults', () => {
  it('worker SIGKILLed mid-send and restarted: nothing lost, no second text, APNs repeats carry the same ids', async () => {
    const drill = await sendCriticalEvents('kill', 1_000);
    const phones = [...drill.phones.values()];
    // Some texts taken by the provider, their answers still held: the worker dies before it can record them.
    await waitFor('texts taken by the provider', async () =>
      phones.filter((p) => textsTo(p).length > 0).length >= 2 ? true : undefined,
    );
    await killWorker('SIGKILL');
    const takenBeforeKill = phones.filter((p) => textsTo(p).length > 0).length;
    const pendingInLedger = await db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM delivery_ledger WHERE status = 'pending'",
    );
    await startWorkerProcess();
    const { apnsRepeats } = await expectDeliveredOnce(drill);
    // The drill did what it says: sends were caught between the provider's acceptance and the ledger's record.
    expect(takenBeforeKill).toBeGreaterThanOrEqual(2);
    expect(Number(pendingInLedger.rows[0]!.n)).toBeGreaterThanOrEqual(2);
    // Those were settled by the lookup, not by a second text.
    expect(sms.lookups.length).toBeGreaterThanOrEqual(2);
    const { rows } = await db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM delivery_ledger WHERE status = 'sent' AND send_attempts > 1 AND user_id = ANY($1)",
      [[...drill.candidates.keys()]],
    );
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(2);
    expect(apnsRepeats).toBeLessThanOrEqual(drill.tokens.size);
  }, 300_000);

  it('PostgreSQL stopped mid-send and started again: nothing lost, no second text, APNs repeats bounded', async () => {
    const drill = await sendCriticalEvents('pgdown', 2_000);
    const phones = [...drill.phones.values()];
    await waitFor('texts taken by the provider', async () =>
      phones.filter((p) => textsTo(p).length > 0).length >= 2 ? true : undefined,
    );
    await pg.stop();
    // Long enough for the held answers to arrive while the database is away: their ledger writes fail and are retried.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await pg.start();
    await expectDeliveredOnce(drill);
    expect(worker?.child.exitCode).toBeNull();
  }, 300_000);
});
