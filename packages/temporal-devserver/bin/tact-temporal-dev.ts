// The launcher: runs the dev server in this process until SIGTERM/SIGINT or until its parent dies.
import { parseLauncherArgs, USAGE, UsageError } from '../src/cli-args';
import { listenEarly } from '../src/early-listener';

const PARENT_CHECK_MS = 1000;

async function main(): Promise<void> {
  let command;
  try {
    command = parseLauncherArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`tact-temporal-dev: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { options } = command;
  // Bound before the server is loaded (the slow part of a start): a client connecting meanwhile waits, not refused.
  const listener = await listenEarly(options.host ?? '127.0.0.1', options.port);
  // require, not import(): the launcher runs under tsx's CommonJS loader only.
  const { startDevServer } = require('../src/server') as typeof import('../src/server');
  const server = await startDevServer({ ...options, listener });
  process.stdout.write(
    `Tact dev server (Temporal-compatible, ${options.dbFilename ? `data in ${options.dbFilename}` : 'in-memory'}, not for production) listening on ${server.address}` +
      `${options.timeSkipping ? ' with time skipping' : ''}; namespaces: ${[...new Set(['default', ...(options.namespaces ?? [])])].join(', ')}\n`,
  );
  if (server.httpUrl) process.stdout.write(`Temporal HTTP API: ${server.httpUrl}\n`);
  if (server.uiUrl) process.stdout.write(`Temporal UI: ${server.uiUrl}\n`);
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    void server.stop().finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop(0);
  }, PARENT_CHECK_MS).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`tact-temporal-dev: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
