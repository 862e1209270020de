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
import { ATTACH_EXECUTABLE, launchServer } from './launch';

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
 * The bundled server, started here and waited for on its own readiness line (src/launch.ts): the SDK's launcher
 * allows a server 5 s, which a loaded 2-core machine can miss while Node loads ours. The environment is then the
 * SDK's own: `createFromExistingServer` for `local`, and for time skipping `createTimeSkipping` pointed at the
 * running server's port with a no-op executable, since only that constructor makes a time-skipping environment.
 * Teardown ends the server with SIGKILL, as the SDK ends the servers it launches.
 */
async function createBundled(mode: TestEnvMode, opts: TestEnvOptions): Promise<TestWorkflowEnvironment> {
  if (mode === 'time-skipping' && (opts.dbFilename !== undefined || opts.port !== undefined))
    throw new Error('createTestEnv: dbFilename and port need mode "local"');
  const server = await launchServer(bundledArgs(mode, opts));
  try {
    const env =
      mode === 'local'
        ? await TestWorkflowEnvironment.createFromExistingServer({ address: server.address, namespace: 'default' })
        : await TestWorkflowEnvironment.createTimeSkipping({
            server: { executable: { type: 'existing-path', path: ATTACH_EXECUTABLE }, port: server.port },
          });
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      try {
        await teardown();
      } finally {
        await server.kill();
      }
    };
    return env;
  } catch (err) {
    await server.kill();
    throw err;
  }
}

/** Launcher arguments: the test server's form (`<port>`: time skipping) or the CLI dev server's. */
function bundledArgs(mode: TestEnvMode, opts: TestEnvOptions): string[] {
  const searchAttributes = (opts.searchAttributes ?? []).flatMap((k) => [
    '--search-attribute',
    `${k.name}=${TypedSearchAttributes.toMetadataType(k.type)}`,
  ]);
  if (mode === 'time-skipping') return ['0', ...searchAttributes];
  return [
    'server',
    'start-dev',
    '--port',
    String(opts.port ?? 0),
    '--namespace',
    'default',
    '--headless',
    ...searchAttributes,
    ...(opts.dbFilename !== undefined ? ['--db-filename', opts.dbFilename] : []),
  ];
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
