/**
 * The one way workflow tests get a Temporal server.
 *
 *   const env = await createTestEnv({ mode: 'time-skipping' });   // or 'local'
 *   ... env.client, env.nativeConnection, env.sleep(), ...
 *   await env.teardown();
 *
 * `TEMPORAL_TEST_SERVER` picks the server:
 *   - `auto` (default): Temporal's own servers as @temporalio/testing downloads them (the Java time-skipping
 *     test server, or the Temporal CLI dev server for `local`); if that fails (no internet), the bundled
 *     server, with one log line saying why;
 *   - `temporal`: Temporal's servers only; a failure fails the test;
 *   - `bundled`: the repo's offline server (devserver/bin/tact-temporal-dev), never downloads anything.
 * CI sets `bundled` so it never waits on a download.
 */
import * as path from 'node:path';
import { SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';

export type TestServerChoice = 'auto' | 'temporal' | 'bundled';
export type TestEnvMode = 'time-skipping' | 'local';

export interface TestEnvOptions {
  /** `time-skipping` (default): timers skip ahead when idle. `local`: a full dev server in real time. */
  mode?: TestEnvMode;
  /** Custom search attributes to register, e.g. `[defineSearchAttributeKey('NextSendTime', 'DATETIME')]`. */
  searchAttributes?: SearchAttributeKey<SearchAttributeType>[];
  /**
   * Time-skipping only: the instant (epoch ms) the server's clock is moved to before the environment is returned,
   * so a test does not depend on the real date (test/support/test-clock.ts has the shared one). It must lie ahead
   * of the real clock, since time skipping only moves forward.
   */
  startAt?: number;
}

/** Path of the bundled server executable (usable as `server.executable = { type: 'existing-path', path }`). */
export const BUNDLED_SERVER_PATH = path.resolve(__dirname, '../devserver/bin/tact-temporal-dev');

export function selectedTestServer(): TestServerChoice {
  const raw = (process.env.TEMPORAL_TEST_SERVER ?? 'auto').trim().toLowerCase() || 'auto';
  if (raw === 'auto' || raw === 'temporal' || raw === 'bundled') return raw;
  throw new Error(`TEMPORAL_TEST_SERVER must be auto, temporal or bundled, not "${process.env.TEMPORAL_TEST_SERVER}"`);
}

let temporalUnavailable: string | undefined;

export async function createTestEnv(opts: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const env = await createServerEnv(opts);
  if (opts.startAt !== undefined) {
    try {
      await moveClockTo(env, opts.startAt);
    } catch (err) {
      await env.teardown();
      throw err;
    }
  }
  return env;
}

async function moveClockTo(env: TestWorkflowEnvironment, startAt: number): Promise<void> {
  if (!env.supportsTimeSkipping) throw new Error('createTestEnv: startAt needs the time-skipping mode');
  const now = await env.currentTimeMs();
  if (startAt < now) {
    throw new Error(
      `createTestEnv: startAt ${new Date(startAt).toISOString()} is before the server's clock (${new Date(now).toISOString()}); time skipping only moves forward`,
    );
  }
  await env.sleep(startAt - now);
}

async function createServerEnv(opts: TestEnvOptions): Promise<TestWorkflowEnvironment> {
  const mode = opts.mode ?? 'time-skipping';
  const choice = selectedTestServer();
  if (choice === 'bundled' || (choice === 'auto' && temporalUnavailable !== undefined))
    return createBundled(mode, opts);
  try {
    return await createTemporal(mode, opts);
  } catch (err) {
    if (choice === 'temporal') throw err;
    temporalUnavailable = err instanceof Error ? err.message.split('\n')[0] : String(err);
    console.warn(
      `[temporal-env] Temporal's own test server is unavailable (${temporalUnavailable}); using the bundled offline server (set TEMPORAL_TEST_SERVER=bundled to skip this attempt).`,
    );
    return createBundled(mode, opts);
  }
}

async function createTemporal(mode: TestEnvMode, opts: TestEnvOptions): Promise<TestWorkflowEnvironment> {
  if (mode === 'local') return TestWorkflowEnvironment.createLocal({ server: withSearchAttributes({}, opts) });
  const env = await TestWorkflowEnvironment.createTimeSkipping();
  if (opts.searchAttributes?.length) {
    try {
      await env.connection.operatorService.addSearchAttributes({
        namespace: env.namespace ?? 'default',
        searchAttributes: Object.fromEntries(opts.searchAttributes.map((k) => [k.name, indexedValueType(k.type)])),
      });
    } catch (err) {
      await env.teardown();
      throw err;
    }
  }
  return env;
}

/**
 * The SDK gives a launched server 5 s to answer (sdk-core ephemeral_server: 50 tries, 100 ms apart). The bundled
 * server starts in about 1 s, but on a loaded 2-core CI machine a start can miss that window; one more start is
 * then the honest fix, and it is said in the log.
 */
async function createBundled(mode: TestEnvMode, opts: TestEnvOptions): Promise<TestWorkflowEnvironment> {
  const attempts = 3;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startBundled(mode, opts);
    } catch (err) {
      if (attempt === attempts) throw err;
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      console.warn(
        `[temporal-env] the bundled server did not start (${reason}); starting it again (${attempt + 1}/${attempts})`,
      );
    }
  }
}

function startBundled(mode: TestEnvMode, opts: TestEnvOptions): Promise<TestWorkflowEnvironment> {
  const executable = { type: 'existing-path' as const, path: BUNDLED_SERVER_PATH };
  if (mode === 'local')
    return TestWorkflowEnvironment.createLocal({ server: withSearchAttributes({ executable }, opts) });
  const extraArgs = (opts.searchAttributes ?? []).flatMap((k) => [
    '--search-attribute',
    `${k.name}=${TypedSearchAttributes.toMetadataType(k.type)}`,
  ]);
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable, extraArgs } });
}

const INDEXED_VALUE_TYPES: Record<SearchAttributeType, number> = {
  [SearchAttributeType.TEXT]: 1,
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 4,
  [SearchAttributeType.BOOL]: 5,
  [SearchAttributeType.DATETIME]: 6,
  [SearchAttributeType.KEYWORD_LIST]: 7,
};

function indexedValueType(t: SearchAttributeType): number {
  return INDEXED_VALUE_TYPES[t];
}

/** The SDK's server options take search attributes only when there are some. */
function withSearchAttributes<T extends object>(server: T, opts: TestEnvOptions) {
  return opts.searchAttributes === undefined ? server : { ...server, searchAttributes: opts.searchAttributes };
}
