// A Temporal server for development, when TEMPORAL_ADDRESS is not set: Temporal's own dev server
// (the Temporal CLI, downloaded by @temporalio/testing) where it can be had, else the repository's
// bundled offline server. TACT_TEMPORAL=auto|temporal|bundled chooses; `auto` is the default.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TACT_SEARCH_ATTRIBUTE_KEYS, TACT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { nth } from '../domain/present';

export type TemporalChoice = 'auto' | 'temporal' | 'bundled';

export interface DevTemporal {
  kind: 'temporal-cli' | 'bundled';
  address: string;
  /** One line for the console: which server, where, and what it keeps. */
  description: string;
  uiUrl?: string;
  /** False when the bundled server's UI files are not built (its page then says how). */
  uiBuilt?: boolean;
  stop(): Promise<void>;
}

export function parseTemporalChoice(value: string | undefined): TemporalChoice {
  const choice = (value ?? '').trim().toLowerCase() || 'auto';
  if (choice === 'auto' || choice === 'temporal' || choice === 'bundled') return choice;
  throw new Error(`TACT_TEMPORAL must be auto, temporal or bundled, got "${value}"`);
}

export interface DevTemporalOptions {
  /** Port of the bundled server; default 7233, or a free port when 7233 is taken. */
  port?: number;
  /** The bundled server keeps its workflows in this SQLite file (created if missing); unset = in memory. */
  dbFilename?: string;
  /** Port of the bundled server's Temporal Web UI; default 8233, or a free port when 8233 is taken. */
  uiPort?: number;
  /** The codec endpoint the bundled UI decodes payloads with (asked on each page load: the API starts later). */
  uiCodecEndpoint?: () => string | undefined;
}

export async function startDevTemporal(choice: TemporalChoice, options: DevTemporalOptions = {}): Promise<DevTemporal> {
  if (choice === 'bundled') return startBundled(options, 'TACT_TEMPORAL=bundled');
  try {
    return await startTemporalCli();
  } catch (error) {
    if (choice === 'temporal') throw error;
    const message = error instanceof Error ? error.message : String(error);
    const why = /download/i.test(message)
      ? 'could not be downloaded'
      : `failed: ${nth(message.split('\n'), 0).slice(0, 120)}`;
    return startBundled(options, `Temporal's own dev server ${why}`);
  }
}

async function startTemporalCli(): Promise<DevTemporal> {
  // A dev dependency, loaded only here: production images run against TEMPORAL_ADDRESS.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { ui: true, searchAttributes: TACT_SEARCH_ATTRIBUTE_KEYS },
  });
  // createLocal opens client connections the API and worker do not use.
  const uiUrl = `http://${env.address.replace(/:\d+$/, '')}:${Number(env.address.split(':').pop()) + 1000}`;
  return {
    kind: 'temporal-cli',
    address: env.address,
    uiUrl,
    description: `Temporal: Temporal's own dev server (Temporal CLI, in-memory) at ${env.address}`,
    stop: () => env.teardown(),
  };
}

async function startBundled(options: DevTemporalOptions, reason: string): Promise<DevTemporal> {
  if (options.dbFilename !== undefined) mkdirSync(path.dirname(options.dbFilename), { recursive: true });
  // Loaded only here: the offline server ships as TypeScript for development, and the built entry points
  // (`node dist/...`, the image) run against TEMPORAL_ADDRESS without it.
  const { startDevServer } = await import('@tact/temporal-devserver');
  const start = (port: number, uiPort: number) =>
    startDevServer({
      port,
      searchAttributes: { ...TACT_SEARCH_ATTRIBUTES },
      ...(options.dbFilename !== undefined ? { dbFilename: options.dbFilename } : {}),
      uiPort,
      // Tact's codec server signs a browser in with a cookie (its /codec/login).
      ...(options.uiCodecEndpoint ? { uiCodecEndpoint: options.uiCodecEndpoint, uiCodecIncludeCredentials: true } : {}),
    });
  // Temporal's own ports unless told otherwise, else free ones (a second `npm start`, a busy machine).
  const attempts = (options.port !== undefined ? [options.port] : [7233, 0]).flatMap((port) =>
    (options.uiPort !== undefined ? [options.uiPort] : [8233, 0]).map((uiPort) => [port, uiPort] as const),
  );
  let server: Awaited<ReturnType<typeof start>> | undefined;
  for (const [i, [port, uiPort]] of attempts.entries()) {
    try {
      server = await start(port, uiPort);
      break;
    } catch (error) {
      if (i === attempts.length - 1) throw error;
    }
  }
  if (!server) throw new Error('unreachable: the bundled server did not start');
  const running = server;
  // localhost, the API's host too: the codec server's sign-in cookie is then same-site for the UI.
  const uiUrl = server.uiUrl?.replace('//127.0.0.1:', '//localhost:');
  return {
    kind: 'bundled',
    address: server.address,
    ...(uiUrl ? { uiUrl, uiBuilt: server.uiBuilt } : {}),
    description:
      `Temporal: the bundled offline dev server at ${server.address} (${reason}; ` +
      (options.dbFilename !== undefined
        ? `workflows kept in ${options.dbFilename}`
        : 'in-memory: workflows do not survive a restart') +
      '; set TEMPORAL_ADDRESS for a real cluster)',
    stop: () => running.stop(),
  };
}
