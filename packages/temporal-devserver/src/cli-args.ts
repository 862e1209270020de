// Command-line arguments of the launcher. Three shapes are accepted:
//  - `<port> [...]`: how @temporalio/testing starts its time-skipping test server;
//  - `server start-dev --port … --namespace … --ip … --search-attribute Name=Type …`: how it starts the
//    Temporal CLI dev server (flags that do not apply here, like the UI, are ignored);
//  - standalone flags: `--port`, `--namespace` (repeatable), `--search-attribute`, `--db-filename`, `--log-level`,
//    `--time-skipping`.
import { isLogLevel, type LogLevel } from './logger';
import type { DevServerOptions } from './server';
import {
  parseSearchAttributeType,
  SearchAttributeError,
  type SearchAttributeType,
} from './visibility/search-attributes';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type LauncherCommand = { kind: 'help' } | { kind: 'serve'; options: DevServerOptions & { port: number } };

const DEFAULT_PORT = 7233;

/** CLI dev-server flags taking a value that this server accepts and ignores. */
const IGNORED_WITH_VALUE = new Set([
  '--ui-ip',
  '--ui-public-path',
  '--log-format',
  '--log-config',
  '--dynamic-config-value',
  '--sqlite-pragma',
  '--metrics-port',
  '--config',
  '--env',
]);
const IGNORED_FLAGS = new Set(['--ui', '--log-config', '--enable-time-skipping']);

export const USAGE = `Usage: tact-temporal-dev [options]
       tact-temporal-dev server start-dev [options]   (Temporal CLI compatible)
       tact-temporal-dev <port> [--time-skipping]      (Temporal test server compatible: time skipping on)

An offline Temporal-compatible server for development and tests (in memory, or in one SQLite file with
--db-filename). Not for production.

Options:
  --port, -p <port>                gRPC port (default ${DEFAULT_PORT}; 0 = any free port)
  --ip <address>                   address to bind (default 127.0.0.1)
  --namespace, -n <name>           extra namespace to create (repeatable; "default" always exists)
  --search-attribute <Name=Type>   register a custom search attribute (repeatable);
                                   Type: Keyword, Text, Int, Double, Bool, Datetime, KeywordList
  --db-filename, -f <file>         keep workflows in this SQLite file (created if missing) so they survive
                                   a restart or a crash; without it everything is in memory
  --log-level <level>              debug, info, warn or error (default warn)
  --time-skipping                  serve TestService: the clock starts locked and skips ahead when idle
  --http-port <port>               serve Temporal's HTTP API (/api/v1/…) on this port (0 = any free port)
  --ui-port <port>                 serve Temporal's Web UI on this port (0 = any free port)
  --ui-asset-path <dir>            the built UI (default: @tact/temporal-ui's build, when installed)
  --ui-codec-endpoint <url>        the codec server the UI decodes payloads with
  --headless                       no UI, even with --ui-port
  --help, -h                       show this help
Other Temporal CLI options are accepted and ignored.`;

export function parseLauncherArgs(argv: readonly string[]): LauncherCommand {
  const args = [...argv];
  let timeSkipping = false;
  let port = DEFAULT_PORT;
  if (args[0] === 'server' && args[1] === 'start-dev') {
    args.splice(0, 2);
  } else if (args[0] !== undefined && /^\d+$/.test(args[0])) {
    port = parsePort(args.shift()!);
    timeSkipping = true;
  }
  const namespaces: string[] = [];
  const searchAttributes: Record<string, SearchAttributeType> = {};
  let host = '127.0.0.1';
  let logLevel: LogLevel = 'warn';
  let dbFilename: string | undefined;
  let httpPort: number | undefined;
  let uiPort: number | undefined;
  let uiAssetPath: string | undefined;
  let uiCodecEndpoint: string | undefined;
  let headless = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitFlag(args[i]!);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--port':
      case '-p':
        port = parsePort(value());
        break;
      case '--ip':
        host = value();
        break;
      case '--namespace':
      case '-n':
        namespaces.push(value());
        break;
      case '--search-attribute':
        Object.assign(searchAttributes, parseSearchAttribute(value()));
        break;
      case '--log-level':
        logLevel = parseLogLevel(value());
        break;
      case '--db-filename':
      case '-f':
        dbFilename = value();
        if (dbFilename === '') throw new UsageError('--db-filename needs a file name');
        break;
      case '--time-skipping':
        timeSkipping = true;
        break;
      case '--http-port':
        httpPort = parsePort(value());
        break;
      case '--ui-port':
        uiPort = parsePort(value());
        break;
      case '--ui-asset-path':
        uiAssetPath = value();
        break;
      case '--ui-codec-endpoint':
        uiCodecEndpoint = value();
        break;
      case '--headless':
        headless = true;
        break;
      default:
        if (IGNORED_WITH_VALUE.has(flag)) value();
        else if (!IGNORED_FLAGS.has(flag)) throw new UsageError(`unknown argument: ${args[i]}`);
    }
  }
  return {
    kind: 'serve',
    options: {
      port,
      host,
      namespaces,
      searchAttributes,
      logLevel,
      timeSkipping,
      ...(dbFilename !== undefined ? { dbFilename } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}),
      ...(uiPort !== undefined && !headless ? { uiPort } : {}),
      ...(uiAssetPath !== undefined ? { uiAssetPath } : {}),
      ...(uiCodecEndpoint !== undefined ? { uiCodecEndpoint } : {}),
    },
  };
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function parsePort(s: string): number {
  const port = Number(s);
  if (!/^\d+$/.test(s) || port > 65535) throw new UsageError(`invalid port: ${s}`);
  return port;
}

function parseSearchAttribute(s: string): Record<string, SearchAttributeType> {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new UsageError(`--search-attribute expects Name=Type, got: ${s}`);
  try {
    return { [s.slice(0, eq)]: parseSearchAttributeType(s.slice(eq + 1)) };
  } catch (err) {
    if (err instanceof SearchAttributeError) throw new UsageError(err.message);
    throw err;
  }
}

function parseLogLevel(s: string): LogLevel {
  const level = s.toLowerCase();
  if (level === 'fatal' || level === 'panic') return 'error';
  if (!isLogLevel(level)) throw new UsageError(`invalid --log-level: ${s} (use debug, info, warn or error)`);
  return level;
}
