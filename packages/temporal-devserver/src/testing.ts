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
 *   - `bundled`: this package's offline server (bin/tact-temporal-dev), never downloads anything.
 * CI sets `bundled` so it never waits on a download.
 */
import { DEV_SERVER_EXECUTABLE } from './index';
import { SearchAttributeType, TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/** A typed search attribute key, e.g. `defineSearchAttributeKey('NextSendTime', 'DATETIME')`. */
export type SearchAttributeKey = SearchAttributePair['key'];

export type TestServerChoice = 'auto' | 'temporal' | 'bundled';
export type TestEnvMode = 'time-skipping' | 'local';

export interface TestEnvOptions {
  /** `time-skipping` (default): timers skip ahead when idle. `local`: a full dev server in real time. */
  mode?: TestEnvMode | undefined;
  /** Custom search attributes to register, e.g. `[defineSearchAttributeKey('NextSendTime', 'DATETIME')]`. */
  searchAttributes?: SearchAttributeKey[] | undefined;
  /** `local` only: keep the server's state in this SQLite file (`--db-filename`), so a new server on it resumes. */
  dbFilename?: string | undefined;
  /** `local` only: the server's port (default: a free one), e.g. to restart a server where its workers expect it. */
  port?: number | undefined;
}

/** Path of the bundled server executable (usable as `server.executable = { type: 'existing-path', path }`). */
export const BUNDLED_SERVER_PATH = DEV_SERVER_EXECUTABLE;

export function selectedTestServer(): TestServerChoice {
  const raw = (process.env.TEMPORAL_TEST_SERVER ?? 'auto').trim().toLowerCase() || 'auto';
  if (raw === 'auto' || raw === 'temporal' || raw === 'bundled') return raw;
  throw new Error(`TEMPORAL_TEST_SERVER must be auto, temporal or bundled, not "${process.env.TEMPORAL_TEST_SERVER}"`);
}

let temporalUnavailable: string | undefined;

export async function createTestEnv(opts: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
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
  if (mode === 'local')
    return TestWorkflowEnvironment.createLocal({
      server: localServerOptions(opts),
    });
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
    return TestWorkflowEnvironment.createLocal({
      server: { executable, ...localServerOptions(opts) },
    });
  if (opts.dbFilename !== undefined || opts.port !== undefined)
    throw new Error('createTestEnv: dbFilename and port need mode "local"');
  const extraArgs = (opts.searchAttributes ?? []).flatMap((k) => [
    '--search-attribute',
    `${k.name}=${TypedSearchAttributes.toMetadataType(k.type)}`,
  ]);
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable, extraArgs } });
}

/** The dev-server options `createLocal` takes from ours (only those that are set). */
function localServerOptions(opts: TestEnvOptions): {
  searchAttributes?: SearchAttributeKey[];
  dbFilename?: string;
  port?: number;
} {
  return {
    ...(opts.searchAttributes ? { searchAttributes: opts.searchAttributes } : {}),
    ...(opts.dbFilename !== undefined ? { dbFilename: opts.dbFilename } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  };
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
