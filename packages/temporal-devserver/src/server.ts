// Entry point of the offline Temporal-compatible dev server: starts the gRPC frontend in-process.
import * as grpc from '@grpc/grpc-js';
import { Engine } from './engine';
import { addService } from './grpc';
import { createLogger, type LogLevel } from './logger';
import { SqliteStore } from './persistence/store';
import { namespaceHandlers } from './service-namespaces';
import { scheduleHandlers } from './schedules/service';
import { operatorHandlers } from './service-operator';
import { testHandlers } from './service-test';
import { visibilityHandlers } from './service-visibility';
import { workerHandlers } from './service-worker';
import { workflowHandlers } from './service-workflows';
import type { SearchAttributeType } from './visibility/search-attributes';

export type { SearchAttributeType } from './visibility/search-attributes';

export interface DevServerOptions {
  /** 0 or undefined = a free port */
  port?: number | undefined;
  /** default 127.0.0.1 */
  host?: string | undefined;
  /** 'default' always exists */
  namespaces?: string[] | undefined;
  searchAttributes?: Record<string, SearchAttributeType> | undefined;
  /** Serve TestService; the clock starts locked and skips ahead when unlocked and idle. */
  timeSkipping?: boolean | undefined;
  logLevel?: LogLevel | undefined;
  /**
   * Keep everything in this SQLite file (created if missing): runs, histories, pending tasks and timers survive a
   * restart and a crash. Without it the server keeps everything in memory.
   */
  dbFilename?: string | undefined;
}

export interface DevServer {
  /** host:port */
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = createLogger(opts.logLevel ?? 'warn');
  const store = opts.dbFilename !== undefined ? new SqliteStore(opts.dbFilename) : undefined;
  const engine = new Engine({
    namespaces: opts.namespaces ?? [],
    searchAttributes: opts.searchAttributes ?? {},
    timeSkipping: opts.timeSkipping ?? false,
    log,
    ...(store ? { store } : {}),
  });
  const persist = () => engine.flushSoon();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  addService(
    server,
    'temporal.api.workflowservice.v1.WorkflowService',
    {
      ...namespaceHandlers(engine),
      ...workflowHandlers(engine),
      ...workerHandlers(engine),
      ...visibilityHandlers(engine),
      ...scheduleHandlers(engine),
    },
    log,
    persist,
  );
  addService(server, 'temporal.api.operatorservice.v1.OperatorService', operatorHandlers(engine), log, persist);
  addService(
    server,
    'temporal.api.testservice.v1.TestService',
    opts.timeSkipping ? testHandlers(engine) : {},
    log,
    persist,
  );
  addService(server, 'grpc.health.v1.Health', { Check: () => ({ status: 1 /* SERVING */ }) }, log);

  const host = opts.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info(`listening on ${address}${opts.timeSkipping ? ' (time skipping)' : ''}`);
  let stopped: Promise<void> | undefined;
  return {
    address,
    port,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        engine.stop();
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      });
      return stopped;
    },
  };
}
