// `npm start`: one command for Tact on embedded defaults, or one role of a production deployment.
//   TACT_ROLE=all (default) | api | worker
//   DATABASE_URL         a real PostgreSQL; default: embedded PGlite in TACT_DATA_DIR (./data/pglite)
//   TEMPORAL_ADDRESS     a real Temporal; default (role all): a dev server, see TACT_TEMPORAL
//   TACT_TEMPORAL        auto (default) | temporal | bundled: which dev server when TEMPORAL_ADDRESS is unset
//   PORT / HOST          the API's listen address (default 3000 on 0.0.0.0)
//   TACT_DECISION_LOG_DELAY_MS  how long suppressions may wait before the decision log gets them (workflow default)
//   TACT_POLICY          JSON overrides of the policy defaults (domain/config.ts), for workflows this API starts and
//                        for the worker's activities (sensitivity, unsubscribe links): set it on both roles
//   TACT_EVENT_ID_RETENTION_HOURS  how long accepted event ids are remembered for idempotency (default 72)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createRuntimeActivities, type RuntimeActivities, type RuntimeActivitiesOptions } from '../activities/runtime';
import { DEFAULT_POLICY, withOverrides } from '../domain/config';
import type { PolicyOverrides } from '../workflows/user-state';
import { ensureAdminKey } from '../db/api-keys';
import { migrate } from '../db/migrate';
import { DEFAULT_DATA_DIR, openDatabase, type Database } from '../db/pool';
import { createRepositories } from '../db/repositories';
import { loadWorkerConfig } from '../workers/config';
import { createTactWorker } from '../workers/worker';
import { createApp } from './app';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import { parseRetentionHours, startEventIdPruning } from './retention';
import { parseTemporalChoice, startDevTemporal, type DevTemporal } from './temporal-dev';
import { TemporalUserWorkflows } from './workflow-gateway';

export type Role = 'all' | 'api' | 'worker';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides TACT_DATA_DIR (tests use a temporary directory). */
  dataDir?: string;
  /** Overrides PORT; 0 picks a free port. */
  port?: number;
  /** Port of the bundled Temporal server; default 7233 (a free one if taken). */
  temporalPort?: number;
  /** Human-readable startup lines; default stdout. */
  print?: (line: string) => void;
  logger?: Logger;
  /** Builds the worker's activities; default createRuntimeActivities (tests observe the options it is given). */
  createActivities?: (options: RuntimeActivitiesOptions) => Promise<RuntimeActivities>;
}

export interface RunningTact {
  role: Role;
  /** Base URL of the API (roles all and api). */
  apiUrl?: string;
  /** Set only on the start that created it. */
  adminKey?: string;
  temporalAddress: string;
  database: Database;
  /** Resolves when the worker stops by itself (it failed): the process should then stop. */
  workerStopped: Promise<unknown>;
  stop(): Promise<void>;
}

export function parseRole(value: string | undefined): Role {
  const role = (value ?? '').trim().toLowerCase() || 'all';
  if (role === 'all' || role === 'api' || role === 'worker') return role;
  throw new Error(`TACT_ROLE must be all, api or worker, got "${value}"`);
}

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a TCP port, got "${value}"`);
  return port;
}

/** TACT_DECISION_LOG_DELAY_MS: how long a suppression may wait before it is written to the decision log. */
function parseDelay(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const delay = Number(value);
  if (!Number.isInteger(delay) || delay < 0) {
    throw new Error(`TACT_DECISION_LOG_DELAY_MS must be a whole number of milliseconds, got "${value}"`);
  }
  return delay;
}

/**
 * TACT_POLICY: JSON overrides of the policy defaults (domain/config.ts DEFAULT_POLICY), e.g.
 * `{"dailyCap":2,"cooldownMs":7200000,"categories":{"marketing":{"weeklyCap":1}}}`. Validated here so a typo stops
 * start-up instead of being ignored. Applied to workflows this API starts; running workflows keep the options they
 * started with (carried across continue-as-new).
 */
export function parsePolicyOverrides(value: string | undefined): PolicyOverrides | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let overrides: unknown;
  try {
    overrides = JSON.parse(value);
  } catch (err) {
    throw new Error(`TACT_POLICY must be a JSON object: ${(err as Error).message}`, { cause: err });
  }
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new Error('TACT_POLICY must be a JSON object of policy overrides');
  }
  const unknown = Object.keys(overrides).filter((key) => !(key in DEFAULT_POLICY));
  if (unknown.length > 0) {
    throw new Error(
      `TACT_POLICY has unknown keys: ${unknown.join(', ')} (known: ${Object.keys(DEFAULT_POLICY).join(', ')})`,
    );
  }
  withOverrides(DEFAULT_POLICY, overrides); // throws a RangeError naming every bad value
  return overrides;
}

let runtimeInstalled = false;

function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // Shutdown is ours (SIGINT/SIGTERM stop the API, then the worker, then the database).
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  } catch {
    // A runtime already exists in this process (tests); keep it.
  }
}

export async function startTact(options: StartOptions = {}): Promise<RunningTact> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logger = options.logger ?? createLogger();
  const role = parseRole(env.TACT_ROLE);
  // Parsed before anything starts, for every role: a typo stops start-up.
  const policyOverrides = parsePolicyOverrides(env.TACT_POLICY);
  const eventIdRetentionMs = parseRetentionHours(env.TACT_EVENT_ID_RETENTION_HOURS);
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) {
      await step().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
    }
  };

  try {
    print(`Tact starting (role: ${role})`);
    const databaseUrl = env.DATABASE_URL?.trim();
    const database = await openDatabase(
      options.dataDir === undefined && databaseUrl
        ? { databaseUrl }
        : { dataDir: options.dataDir ?? (env.TACT_DATA_DIR?.trim() || DEFAULT_DATA_DIR) },
    );
    cleanup.push(() => database.close());
    const migrations = await migrate(database.pool);
    print(
      `Database: ${database.where} (migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied} already in place)`,
    );
    const repos = createRepositories(database.pool);

    const workerConfig = loadWorkerConfig(env);
    let temporalAddress = workerConfig.address;
    if (env.TEMPORAL_ADDRESS?.trim()) {
      print(`Temporal: ${temporalAddress} (TEMPORAL_ADDRESS), namespace ${workerConfig.namespace}`);
    } else if (role === 'all') {
      const devTemporal: DevTemporal = await startDevTemporal(parseTemporalChoice(env.TACT_TEMPORAL), {
        ...(options.temporalPort !== undefined ? { port: options.temporalPort } : {}),
      });
      cleanup.push(() => devTemporal.stop());
      temporalAddress = devTemporal.address;
      print(devTemporal.description);
      if (devTemporal.uiUrl) print(`Temporal UI: ${devTemporal.uiUrl}`);
    } else {
      print(`Temporal: ${temporalAddress} (the default; set TEMPORAL_ADDRESS for role ${role})`);
    }

    let workerStopped: Promise<unknown> = new Promise(() => undefined);
    let unsubscribeSecret = env.TACT_UNSUBSCRIBE_SECRET || undefined;
    if (role !== 'api') {
      installRuntime();
      const workerLogger = logger.child({ component: 'worker' });
      const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
      cleanup.push(() => nativeConnection.close());
      const wiring = await (options.createActivities ?? createRuntimeActivities)({
        pool: database.pool,
        env,
        ...(policyOverrides === undefined ? {} : { policy: withOverrides(DEFAULT_POLICY, policyOverrides) }),
        log: (level, event, fields) => workerLogger[level]({ ...fields, event }, event),
      });
      cleanup.push(() => wiring.close());
      unsubscribeSecret = wiring.unsubscribe.secret;
      const worker: Worker = await createTactWorker({
        connection: nativeConnection,
        activities: wiring.activities,
        config: { ...workerConfig, address: temporalAddress },
      });
      const running = worker.run();
      workerStopped = running;
      cleanup.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
      });
      const channels = Object.entries(wiring.channels).map(([channel, mode]) => `${channel} ${mode}`);
      print(`Worker: task queue ${workerConfig.taskQueue}; delivery: ${channels.join(', ')}`);
      if (Object.values(wiring.channels).includes('dry-run')) {
        print('         dry-run channels send nothing: their messages go to the outbox (GET /v1/outbox)');
      }
    }

    let apiUrl: string | undefined;
    let adminKey: string | undefined;
    if (role !== 'worker') {
      const connection = Connection.lazy({ address: temporalAddress });
      cleanup.push(() => connection.close());
      const metrics = createMetrics({ processMetrics: true });
      const decisionLogDelayMs = parseDelay(env.TACT_DECISION_LOG_DELAY_MS);
      const workflowOptions = {
        ...(decisionLogDelayMs === undefined ? {} : { decisionLogDelayMs }),
        ...(policyOverrides === undefined ? {} : { policy: policyOverrides }),
      };
      const workflows = new TemporalUserWorkflows({
        client: new Client({ connection, namespace: workerConfig.namespace }),
        connection,
        taskQueue: workerConfig.taskQueue,
        metrics,
        workflowOptions,
      });
      const { app } = createApp({
        repos,
        pool: database.pool,
        workflows,
        logger,
        metrics,
        ...(unsubscribeSecret ? { unsubscribeSecret } : {}),
      });
      const pruning = startEventIdPruning({
        acceptedEvents: repos.acceptedEvents,
        logger,
        retentionMs: eventIdRetentionMs,
      });
      cleanup.push(() => pruning.stop());
      const server = http.createServer(app);
      const port = options.port ?? parsePort(env.PORT, 3000);
      const host = env.HOST?.trim() || '0.0.0.0';
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      cleanup.push(() => closeServer(server));
      const bound = (server.address() as AddressInfo).port;
      apiUrl = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${bound}`;
      const created = await ensureAdminKey(database.pool, Date.now());
      if (created !== null) {
        adminKey = created.key;
        print(`First admin API key (shown once, store it now): ${created.key}`);
      }
      print(`API:      ${apiUrl}/v1   (OpenAPI: ${apiUrl}/v1/openapi.json)`);
      print(`Health:   ${apiUrl}/healthz   Ready: ${apiUrl}/readyz   Metrics: ${apiUrl}/metrics`);
    }
    print('Tact is running; Ctrl-C stops it.');
    return {
      role,
      ...(apiUrl ? { apiUrl } : {}),
      ...(adminKey ? { adminKey } : {}),
      temporalAddress,
      database,
      workerStopped,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Stops accepting connections, lets in-flight requests finish (up to 5 s), then closes the rest. */
function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 5_000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

async function main(): Promise<void> {
  const tact = await startTact();
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) {
      process.stderr.write('tact: stopping now\n');
      process.exit(1);
    }
    stopping = true;
    process.stdout.write('Tact stopping…\n');
    void tact.stop().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  void tact.workerStopped.then(
    () => {
      if (!stopping) stop(0);
    },
    (error: unknown) => {
      process.stderr.write(`tact: the worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
      stop(1);
    },
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`tact: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
