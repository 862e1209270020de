// `npm start` (api/main.ts): one command for Tact on embedded defaults, or one role of a production deployment;
// composes the API here and the worker from workers/start.ts.
//   TACT_ROLE=all (default) | api | worker | dispatcher (the ingestion dispatcher and reconciler alone)
//   DATABASE_URL         a real PostgreSQL; default: embedded PGlite in TACT_DATA_DIR (./data/pglite)
//   TEMPORAL_ADDRESS     a real Temporal; default (role all): a dev server, see TACT_TEMPORAL
//   TACT_TEMPORAL        auto (default) | temporal | bundled: which dev server when TEMPORAL_ADDRESS is unset
//   TACT_TEMPORAL_DB     the bundled dev server's SQLite file (default ./data/temporal.db; ":memory:" keeps nothing)
//   TACT_TEMPORAL_UI_PORT  the bundled dev server's Temporal Web UI port (default 8233, a free one if taken)
//   PORT / HOST          the API's listen address (default 3000 on 0.0.0.0)
//   TACT_DECISION_LOG_DELAY_MS  how long suppressions may wait before the decision log gets them (workflow default)
//   TACT_CATALOG         the deployment's catalog: a JSON file, or a directory with catalog.json (docs/catalog.md);
//                        default catalog/default.json. Set it on both roles.
//   TACT_POLICY          JSON overrides of the policy defaults (domain/config.ts); with the catalog it makes the
//                        version (content hash) running workflows adopt. Set it on both roles.
//   TACT_EVENT_ID_RETENTION_HOURS  how long accepted event ids are remembered for idempotency (default 72)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { RuntimeActivities, RuntimeActivitiesOptions } from '../activities/runtime';
import { ruleSetOf } from '../catalog/load';
import { activateConfigVersion } from '../db/config-versions';
import { DEFAULT_ATTRIBUTION } from '../domain/catalog';
import { ensureAdminKey } from '../db/api-keys';
import { migrate } from '../db/migrate';
import { DEFAULT_DATA_DIR, openDatabase, type Database } from '../db/pool';
import { createRepositories } from '../db/repositories';
import { loadVersionedConfig, loadWorkerConfig } from '../workers/config';
import { startDispatchingFor, startWorker } from '../workers/start';
import { loadDispatchConfig, parseDecisionLogDelay } from '../workers/dispatcher/config';
import type { Dispatcher } from '../workers/dispatcher/dispatcher';
import { setUpCodec } from '../codec/setup';
import { tactDataConverter } from '../codec/data-converter';
import { abuseLimitsFromEnv, createAbuseLimits, createLimitedServer } from './abuse-limits';
import { createApp } from './app';
import { TemporalUserErasures } from './erasure-client';
import { TemporalCampaigns } from './campaign-client';
import { codecServerConfigFromEnv, createCodecServer, type CodecServerConfig } from './codec-server';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import { parseRetentionHours, startEventIdPruning } from './retention';
import { parseTemporalChoice, startDevTemporal, type DevTemporal } from './temporal-dev';
import { TemporalUserWorkflows } from './workflow-gateway';
import { wallClock, type Clock } from '../clock';
import type { Registry } from 'prom-client';
import { present } from '../domain/present';

export type Role = 'all' | 'api' | 'worker' | 'dispatcher';

/** Where the bundled Temporal server keeps its workflows, so a restart of `npm start` loses none. */
export const DEFAULT_TEMPORAL_DB = './data/temporal.db';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides TACT_DATA_DIR (tests use a temporary directory). */
  dataDir?: string;
  /** Overrides PORT; 0 picks a free port. */
  port?: number;
  /** Port of the bundled Temporal server; default 7233 (a free one if taken). */
  temporalPort?: number;
  /** Overrides TACT_TEMPORAL_DB: the bundled Temporal server's database file. */
  temporalDbFilename?: string;
  /** Overrides TACT_TEMPORAL_UI_PORT: the bundled Temporal server's Web UI port; 0 picks a free port. */
  temporalUiPort?: number;
  /** Human-readable startup lines; default stdout. */
  print?: (line: string) => void;
  logger?: Logger;
  /** Builds the worker's activities; default createRuntimeActivities (tests observe the options it is given). */
  createActivities?: (options: RuntimeActivitiesOptions) => Promise<RuntimeActivities>;
  /**
   * The product's one clock (clock/): default the wall clock; a sandbox passes one following its time-skipping
   * Temporal server, so the API, the activities and the database date everything by the server's time.
   */
  clock?: Clock;
  /** The worker's metrics port when TACT_WORKER_METRICS_PORT is unset (api/main.ts: 9464); default none. */
  defaultWorkerMetricsPort?: number;
}

export interface RunningTact {
  role: Role;
  /** Base URL of the API (roles all and api). */
  apiUrl?: string;
  /** Set only on the start that created it. */
  adminKey?: string;
  temporalAddress: string;
  /** Where the worker of this process serves its metrics and the Temporal SDK's (TACT_WORKER_METRICS_PORT). */
  workerMetricsUrl?: string;
  database: Database;
  /** Resolves when the worker stops by itself (it failed): the process should then stop. */
  workerStopped: Promise<unknown>;
  stop(): Promise<void>;
}

export function parseRole(value: string | undefined): Role {
  const role = (value ?? '').trim().toLowerCase() || 'all';
  if (role === 'all' || role === 'api' || role === 'worker' || role === 'dispatcher') return role;
  throw new Error(`TACT_ROLE must be all, api, worker or dispatcher, got "${value}"`);
}

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a TCP port, got "${value}"`);
  return port;
}

function parseOptionalPort(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a TCP port, got "${value}"`);
  return port;
}

/** The codec server also answers the bundled Temporal UI's origin. */
function withOrigin(config: CodecServerConfig, origin: string | undefined): CodecServerConfig {
  if (origin === undefined || config.corsOrigins.includes(origin)) return config;
  return { ...config, corsOrigins: [...config.corsOrigins, origin] };
}

export async function startTact(options: StartOptions = {}): Promise<RunningTact> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? wallClock;
  const logger = options.logger ?? createLogger();
  const role = parseRole(env.TACT_ROLE);
  // Parsed before anything starts, for every role: a typo or a bad catalog stops start-up.
  const { catalog, versioned } = loadVersionedConfig(env);
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
    const localDataDir =
      options.dataDir === undefined && databaseUrl
        ? undefined
        : (options.dataDir ?? (env.TACT_DATA_DIR?.trim() || DEFAULT_DATA_DIR));
    const database = await openDatabase(
      localDataDir === undefined ? { databaseUrl: present(databaseUrl, 'DATABASE_URL') } : { dataDir: localDataDir },
    );
    cleanup.push(() => database.close());
    const migrations = await migrate(database.pool);
    print(
      `Database: ${database.where} (migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied} already in place)`,
    );
    const repos = createRepositories(database.pool);
    const activation = await activateConfigVersion(
      database.pool,
      { id: versioned.id, content: { catalog: versioned.catalog, policy: versioned.policy } },
      clock(),
    );
    const ruleSet = ruleSetOf(versioned, activation.activatedAt);
    print(`Catalog: ${catalog.source} (version ${ruleSet.id})`);
    await repos.measurement.configureAttribution(versioned.catalog.attribution ?? DEFAULT_ATTRIBUTION);
    // After the database opened: a generated local key lives in its (then existing) data directory.
    const {
      codec,
      keyring,
      description: codecDescription,
    } = setUpCodec({
      env,
      pool: database.pool,
      ...(localDataDir === undefined ? {} : { localDataDir }),
    });
    const dataConverter = tactDataConverter(codec);
    print(codecDescription);

    const workerConfig = loadWorkerConfig(env);
    let temporalAddress = workerConfig.address;
    /** The bundled Temporal UI's origin, which the codec server then accepts, and the endpoint it decodes with. */
    let temporalUiOrigin: string | undefined;
    let codecEndpoint: string | undefined;
    if (env.TEMPORAL_ADDRESS?.trim()) {
      print(`Temporal: ${temporalAddress} (TEMPORAL_ADDRESS), namespace ${workerConfig.namespace}`);
    } else if (role === 'all') {
      const dbFilename = options.temporalDbFilename ?? (env.TACT_TEMPORAL_DB?.trim() || DEFAULT_TEMPORAL_DB);
      const uiPort = options.temporalUiPort ?? parseOptionalPort(env.TACT_TEMPORAL_UI_PORT, 'TACT_TEMPORAL_UI_PORT');
      const devTemporal: DevTemporal = await startDevTemporal(parseTemporalChoice(env.TACT_TEMPORAL), {
        ...(options.temporalPort !== undefined ? { port: options.temporalPort } : {}),
        ...(dbFilename !== ':memory:' ? { dbFilename } : {}),
        ...(uiPort !== undefined ? { uiPort } : {}),
        uiCodecEndpoint: () => codecEndpoint,
      });
      cleanup.push(() => devTemporal.stop());
      temporalAddress = devTemporal.address;
      print(devTemporal.description);
      if (devTemporal.uiUrl) {
        temporalUiOrigin = new URL(devTemporal.uiUrl).origin;
        print(
          `Temporal UI: ${devTemporal.uiUrl}` +
            (devTemporal.uiBuilt === false ? ' (not built on this machine: npm run build:ui)' : ''),
        );
      }
    } else {
      print(`Temporal: ${temporalAddress} (the default; set TEMPORAL_ADDRESS for role ${role})`);
    }

    let workerStopped: Promise<unknown> = new Promise(() => undefined);
    let unsubscribeSecret = env.TACT_UNSUBSCRIBE_SECRET || undefined;
    let dispatcher: Dispatcher | undefined;
    let workerMetrics: Registry | undefined;
    let workerMetricsUrl: string | undefined;
    const dispatchConfig = loadDispatchConfig(env);
    if (role === 'dispatcher') {
      const connection = await Connection.connect({ address: temporalAddress });
      cleanup.push(() => connection.close());
      const dispatcherLogger = logger.child({ component: 'dispatcher' });
      const dispatching = startDispatchingFor(
        {
          env: { ...env, TACT_DISPATCHER: 'on' },
          pool: database.pool,
          config: { ...workerConfig, address: temporalAddress },
          currentConfig: () => ruleSet,
          log: (level, event, fields) => dispatcherLogger[level]({ ...fields, event }, event),
        },
        new Client({ connection, namespace: workerConfig.namespace, dataConverter }),
      );
      if (dispatching === undefined) throw new Error('the dispatcher did not start although TACT_DISPATCHER is on');
      cleanup.push(() => dispatching.stop());
      print('Dispatcher: hands accepted events to user workflows (role dispatcher)');
    }
    if (role === 'all' || role === 'worker') {
      const workerLogger = logger.child({ component: 'worker' });
      const worker = await startWorker({
        env,
        pool: database.pool,
        config: { ...workerConfig, address: temporalAddress },
        policy: versioned.policy,
        templatesDir: catalog.templatesDir,
        currentConfig: () => ruleSet,
        log: (level, event, fields) => workerLogger[level]({ ...fields, event }, event),
        print,
        clock,
        ...(options.createActivities ? { createActivities: options.createActivities } : {}),
        ...(codec ? { codec } : {}),
        ...(options.defaultWorkerMetricsPort === undefined
          ? {}
          : { defaultMetricsPort: options.defaultWorkerMetricsPort }),
      });
      cleanup.push(() => worker.stop());
      workerMetrics = worker.metrics;
      workerMetricsUrl = worker.metricsUrl;
      dispatcher = worker.dispatcher;
      unsubscribeSecret = worker.unsubscribeSecret;
      workerStopped = worker.stopped;
    }

    let apiUrl: string | undefined;
    let adminKey: string | undefined;
    if (role === 'all' || role === 'api') {
      const connection = Connection.lazy({ address: temporalAddress });
      cleanup.push(() => connection.close());
      const metrics = createMetrics({ processMetrics: true, also: workerMetrics ? [workerMetrics] : [] });
      const decisionLogDelayMs = parseDecisionLogDelay(env.TACT_DECISION_LOG_DELAY_MS);
      // New workflows start on the current version; running ones adopt it from their activities.
      const workflowOptions = { decisionLogDelayMs, config: ruleSet };
      const client = new Client({ connection, namespace: workerConfig.namespace, dataConverter });
      const workflows = new TemporalUserWorkflows({
        client,
        connection,
        taskQueue: workerConfig.taskQueue,
        metrics,
        workflowOptions,
      });
      const abuseConfig = abuseLimitsFromEnv(env);
      const abuse = createAbuseLimits(abuseConfig, metrics.registry);
      const { app } = createApp({
        now: clock,
        abuse,
        ...(env.TACT_TRUST_PROXY?.trim() ? { trustProxy: env.TACT_TRUST_PROXY.trim() } : {}),
        repos,
        pool: database.pool,
        workflows,
        logger,
        metrics,
        catalog: { catalog: catalog.catalog, ruleSet },
        ingest: {
          maxBacklog: dispatchConfig.maxBacklog,
          ...(dispatcher ? { onAccepted: () => dispatcher.wake() } : {}),
        },
        ...(unsubscribeSecret ? { unsubscribeSecret } : {}),
        erasures: new TemporalUserErasures(client, workerConfig.taskQueue),
        campaigns: new TemporalCampaigns(client, workerConfig.taskQueue),
        ...(codec && keyring
          ? {
              codecServer: createCodecServer({
                ...withOrigin(codecServerConfigFromEnv(env, workerConfig.namespace), temporalUiOrigin),
                codec,
                keyring,
                repos,
                now: clock,
                abuse,
              }),
            }
          : {}),
      });
      const pruning = startEventIdPruning({
        acceptedEvents: repos.acceptedEvents,
        logger,
        retentionMs: eventIdRetentionMs,
        now: clock,
      });
      cleanup.push(() => pruning.stop());
      const server = createLimitedServer(app, abuseConfig, metrics.registry);
      const port = options.port ?? parsePort(env.PORT, 3000);
      const host = env.HOST?.trim() || '0.0.0.0';
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      cleanup.push(() => closeServer(server));
      const bound = (server.address() as AddressInfo).port;
      apiUrl = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${bound}`;
      const created = await ensureAdminKey(database.pool, clock());
      if (created !== null) {
        adminKey = created.key;
        print(`First admin API key (shown once, store it now): ${created.key}`);
      }
      print(`API:      ${apiUrl}/v1   (OpenAPI: ${apiUrl}/v1/openapi.json)`);
      if (codec) {
        codecEndpoint = `${apiUrl}/codec`;
        print(`Codec:    ${codecEndpoint} (for the Temporal UI; sign in at ${apiUrl}/codec/login)`);
      }
      print(`Health:   ${apiUrl}/healthz   Ready: ${apiUrl}/readyz   Metrics: ${apiUrl}/metrics`);
    }
    print('Tact is running; Ctrl-C stops it.');
    return {
      role,
      ...(apiUrl ? { apiUrl } : {}),
      ...(adminKey ? { adminKey } : {}),
      temporalAddress,
      ...(workerMetricsUrl ? { workerMetricsUrl } : {}),
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
