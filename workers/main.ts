// Process entry point of the worker container (`node dist/workers/main.js`): the worker alone, against
// TEMPORAL_ADDRESS and DATABASE_URL (or the embedded database in TACT_DATA_DIR). Variables: .env.example.
import { ruleSetOf } from '../catalog/load';
import { activateConfigVersion } from '../db/config-versions';
import { MeasurementRepository } from '../db/measurement';
import { DEFAULT_ATTRIBUTION } from '../domain/catalog';
import { migrate } from '../db/migrate';
import { DEFAULT_DATA_DIR, openDatabase } from '../db/pool';
import { loadVersionedConfig, loadWorkerConfig } from './config';
import { runUntilSignal } from './lifecycle';
import { startWorker } from './start';
import { DEFAULT_WORKER_METRICS_PORT } from './metrics';
import { setUpCodec } from '../codec/setup';
import { wallClock } from '../clock';
import { workerClock } from './clock-option';

const STOP_MARGIN_MS = 5_000;

function log(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string | number | boolean>): void {
  process.stdout.write(`${JSON.stringify({ level, time: new Date(wallClock()).toISOString(), event, ...fields })}\n`);
}

async function start() {
  const env = process.env;
  const config = loadWorkerConfig(env);
  const { catalog, versioned } = loadVersionedConfig(env);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const databaseUrl = env.DATABASE_URL?.trim();
  const database = await openDatabase(
    databaseUrl ? { databaseUrl } : { dataDir: env.TACT_DATA_DIR?.trim() || DEFAULT_DATA_DIR },
  );
  try {
    await migrate(database.pool);
    const activation = await activateConfigVersion(
      database.pool,
      { id: versioned.id, content: { catalog: versioned.catalog, policy: versioned.policy } },
      wallClock(),
    );
    const ruleSet = ruleSetOf(versioned, activation.activatedAt);
    print(`Catalog: ${catalog.source} (version ${ruleSet.id})`);
    await new MeasurementRepository(database.pool).configureAttribution(
      versioned.catalog.attribution ?? DEFAULT_ATTRIBUTION,
    );
    const { codec, description } = setUpCodec({
      env,
      pool: database.pool,
      ...(databaseUrl ? {} : { localDataDir: env.TACT_DATA_DIR?.trim() || DEFAULT_DATA_DIR }),
    });
    print(description);
    print(`Tact worker starting: database ${database.where}, Temporal ${config.address} (${config.namespace})`);
    const worker = await startWorker({
      clock: workerClock(env),
      env,
      pool: database.pool,
      config,
      policy: versioned.policy,
      templatesDir: catalog.templatesDir,
      currentConfig: () => ruleSet,
      log,
      print,
      defaultMetricsPort: DEFAULT_WORKER_METRICS_PORT,
      ...(codec ? { codec } : {}),
    });
    print('Tact worker is running; SIGTERM or Ctrl-C stops it.');
    return {
      stopped: worker.stopped,
      stop: async () => {
        await worker.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

runUntilSignal(start, {
  name: 'tact-worker',
  stopTimeoutMs: loadWorkerConfig(process.env).shutdownGraceTimeMs + STOP_MARGIN_MS,
});
