// Entry point of the offline Temporal-compatible dev server: starts the gRPC frontend in-process.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { EarlyListener } from './early-listener';
import { Engine } from './engine';
import { addService } from './grpc';
import { createGateway, type Gateway } from './http/gateway';
import { createUiHandler, isUiBuilt, type RenderMarkdown } from './http/ui-server';
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
  /** Serve Temporal's HTTP API (`/api/v1/…`, payloads in shorthand) on this port; 0 = a free port; unset = not. */
  httpPort?: number | undefined;
  /** Serve Temporal's Web UI and its API on this port (0 = a free port; unset = no UI). */
  uiPort?: number | undefined;
  /** The built UI's files (default: the build of `@tact/temporal-ui` when it is installed and built). */
  uiAssetPath?: string | undefined;
  /**
   * The codec server the UI sends payloads to for decoding (Temporal's `--ui-codec-endpoint`); a function is asked
   * on every page load (for an endpoint known only once its server listens).
   */
  uiCodecEndpoint?: string | (() => string | undefined) | undefined;
  /** The UI sends cookies with codec requests (a codec server with cookie sign-in). */
  uiCodecIncludeCredentials?: boolean | undefined;
  /** Serve gRPC on this listener, bound already (the launcher's, see early-listener.ts), instead of `port`. */
  listener?: EarlyListener | undefined;
}

export interface DevServer {
  /** host:port */
  readonly address: string;
  readonly port: number;
  /** Temporal's HTTP API, `http://host:port`, when `httpPort` was given. */
  readonly httpUrl: string | undefined;
  /** Temporal's Web UI, `http://host:port`, when `uiPort` was given. */
  readonly uiUrl: string | undefined;
  /** Whether the UI's files are there (else its page says how to build them). */
  readonly uiBuilt: boolean;
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
  const port = await serveGrpc(server, host, opts);
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info(`listening on ${address}${opts.timeSkipping ? ' (time skipping)' : ''}`);
  const web: { server: HttpServer; gateway: Gateway }[] = [];
  const listen = async (port: number, gateway: Gateway, handler: Parameters<typeof createServer>[1]) => {
    const http = createServer(handler);
    web.push({ server: http, gateway });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${(http.address() as AddressInfo).port}`;
    log.info(`serving ${url}`);
    return url;
  };
  const failed = (res: import('node:http').ServerResponse, err: unknown) => {
    log.error(`HTTP request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: grpc.status.INTERNAL, message: 'internal error' }));
  };
  let httpUrl: string | undefined;
  let uiUrl: string | undefined;
  const builtUi = builtUiPackage();
  const uiAssetPath = opts.uiAssetPath ?? (builtUi ? path.join(builtUi, 'build') : undefined);
  try {
    if (opts.httpPort !== undefined) {
      const gateway = createGateway({ grpcAddress: address, payloadShorthand: true });
      httpUrl = await listen(opts.httpPort, gateway, (req, res) => {
        gateway.handle(req, res).then(
          (handled) => {
            if (!handled) {
              res.writeHead(404, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ code: grpc.status.NOT_FOUND, message: 'Not Found' }));
            }
          },
          (err: unknown) => failed(res, err),
        );
      });
    }
    if (opts.uiPort !== undefined) {
      const gateway = createGateway({ grpcAddress: address, payloadShorthand: false, indent: '  ' });
      const ui = createUiHandler(gateway, {
        assetPath: uiAssetPath,
        renderMarkdown: builtUi ? renderMarkdownWithBuiltUi : undefined,
        codecEndpoint: opts.uiCodecEndpoint,
        codecIncludeCredentials: opts.uiCodecIncludeCredentials,
        defaultNamespace: 'default',
      });
      uiUrl = await listen(opts.uiPort, gateway, (req, res) => {
        ui(req, res).catch((err: unknown) => failed(res, err));
      });
    }
  } catch (err) {
    for (const w of web) w.server.close();
    engine.stop();
    opts.listener?.server.close();
    server.forceShutdown();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    address,
    port,
    httpUrl,
    uiUrl,
    uiBuilt: isUiBuilt(uiAssetPath),
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        for (const w of web) {
          w.gateway.close();
          w.server.close();
          w.server.closeAllConnections();
        }
        engine.stop();
        opts.listener?.server.close();
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

function serveGrpc(server: grpc.Server, host: string, opts: DevServerOptions): Promise<number> {
  const { listener } = opts;
  if (listener) {
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    listener.serve((socket) => injector.injectConnection(socket));
    return Promise.resolve(listener.port);
  }
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

/** The folder of `@tact/temporal-ui` (an optional package beside this one, the UI's build), if it is installed. */
function builtUiPackage(): string | undefined {
  try {
    return path.dirname(require.resolve('@tact/temporal-ui/package.json'));
  } catch {
    return undefined;
  }
}

const renderMarkdownWithBuiltUi: RenderMarkdown = async (markdown, theme) => {
  const { renderMarkdownPage } = await import('@tact/temporal-ui/render-markdown');
  return renderMarkdownPage(markdown, theme);
};
