// Process entry point of the worker container (`node dist/workers/main.js`): the worker alone, against
// TEMPORAL_ADDRESS and DATABASE_URL (or the embedded database in TACT_DATA_DIR). Variables: .env.example.
import { DEFAULT_POLICY, withOverrides } from '../domain/config';
import { migrate } from '../db/migrate';
import { DEFAULT_DATA_DIR, openDatabase } from '../db/pool';
import { loadWorkerConfig, parsePolicyOverrides } from './config';
import { runUntilSignal } from './lifecycle';
import { startWorker } from './start';

const STOP_MARGIN_MS = 5_000;

function log(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string | number | boolean>): void {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), event, ...fields })}\n`);
}

async function start() {
  const env = process.env;
  const config = loadWorkerConfig(env);
  const overrides = parsePolicyOverrides(env.TACT_POLICY);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const databaseUrl = env.DATABASE_URL?.trim();
  const database = await openDatabase(
    databaseUrl ? { databaseUrl } : { dataDir: env.TACT_DATA_DIR?.trim() || DEFAULT_DATA_DIR },
  );
  try {
    await migrate(database.pool);
    print(`Tact worker starting: database ${database.where}, Temporal ${config.address} (${config.namespace})`);
    const worker = await startWorker({
      env,
      pool: database.pool,
      config,
      ...(overrides === undefined ? {} : { policy: withOverrides(DEFAULT_POLICY, overrides) }),
      log,
      print,
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
