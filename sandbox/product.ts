// The whole product (API, worker with the production activities, real user workflows) on the bundled Temporal
// server's time-skipping clock, for `npm run sandbox` and the one-clock test. Its one clock (clock/) follows the
// server's, so the API, the activities and the database date events, sends and cooldowns by the server's time.
// It always runs on a fresh embedded database in a temporary directory: a what-if never writes to a deployment's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestEnv } from '@tact/temporal-devserver/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createLogger } from '../api/logger';
import { startTact, type RunningTact } from '../api/start';
import { followServerClock, type ServerClock } from '../clock';
import type { EpochMs } from '../domain/types';
import { TACT_SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { IngestQueueRepository } from '../db/ingest-queue';
import { EPOCH } from '../domain/units';

/** Resolves once the dispatcher handed everything accepted so far to the workflows. */
async function delivered(tact: RunningTact): Promise<void> {
  const queue = new IngestQueueRepository(tact.database.pool);
  while ((await queue.lag(EPOCH)).undelivered > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

export interface SandboxOptions {
  /** The instant the server's clock is moved to before anything starts (ahead of the real clock). */
  startAt: EpochMs;
  /** TACT_CATALOG: a catalog file or directory (docs/catalog.md); default the shipped catalog. */
  catalog?: string;
  /** TACT_POLICY: JSON overrides of the policy defaults. */
  policy?: string;
}

export interface Sandbox {
  apiUrl: string;
  clock: ServerClock;
  /** The server's time now. */
  now(): EpochMs;
  /** Lets the server's clock skip to `at` (timers fire, workflows and activities run on the way). */
  advanceTo(at: EpochMs): Promise<void>;
  /** A JSON request to the API with the sandbox's admin key; throws on a status ≥ 400, naming the problem. */
  api<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // A runtime already exists in this process (tests); keep it.
  }
  try {
    const env: TestWorkflowEnvironment = await createTestEnv({
      mode: 'time-skipping',
      searchAttributes: TACT_SEARCH_ATTRIBUTE_KEYS,
    });
    cleanup.push(() => env.teardown());
    const serverNow = await env.currentTimeMs();
    if (options.startAt < serverNow) {
      throw new Error(
        `the sandbox's start ${new Date(options.startAt).toISOString()} is before the server's clock (${new Date(serverNow).toISOString()}): time skipping only moves forward`,
      );
    }
    await env.sleep(options.startAt - serverNow);
    const clock = await followServerClock(() => env.currentTimeMs());
    cleanup.push(async () => clock.stop());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tact-sandbox-'));
    cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const tact: RunningTact = await startTact({
      env: {
        TACT_ROLE: 'all',
        TEMPORAL_ADDRESS: env.connection.options.address,
        ...(options.catalog === undefined ? {} : { TACT_CATALOG: options.catalog }),
        ...(options.policy === undefined ? {} : { TACT_POLICY: options.policy }),
        // Suppressions reach the decision log at once, so the week's table is complete when the week ends.
        TACT_DECISION_LOG_DELAY_MS: '0',
      },
      dataDir,
      port: 0,
      clock: clock.now,
      print: () => undefined,
      logger: createLogger({ level: 'silent' }),
    });
    cleanup.push(() => tact.stop());
    if (tact.apiUrl === undefined || tact.adminKey === undefined) throw new Error('the sandbox API did not start');
    const apiUrl = tact.apiUrl.replace('localhost', '127.0.0.1');
    const adminKey = tact.adminKey;
    return {
      apiUrl,
      clock,
      now: clock.now,
      async advanceTo(at) {
        // What the API accepted reaches the workflows through the dispatcher (docs/ingestion.md): let it all arrive
        // before the server's clock skips, so each item lands at the simulated time it was sent.
        await delivered(tact);
        for (let now = await env.currentTimeMs(); now < at; now = await env.currentTimeMs()) {
          await env.sleep(at - now);
        }
        await clock.sync();
      },
      async api<T>(method: string, route: string, body?: unknown): Promise<T> {
        const response = await fetch(`${apiUrl}${route}`, {
          method,
          headers: {
            authorization: `Bearer ${adminKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        if (response.status >= 400) throw new Error(`${method} ${route}: ${response.status} ${text}`);
        return (text === '' ? undefined : JSON.parse(text)) as T;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
