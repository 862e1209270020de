// Starting the launcher executable as a child process and waiting until it says it listens. @temporalio/testing
// gives a server it launches a fixed 5 s to answer (sdk-core ephemeral_server), which a loaded machine can miss
// while Node loads the server; here the wait is on the server's own readiness line, with a generous bound.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DEV_SERVER_EXECUTABLE } from './index';

/** Upper bound on a start when TACT_DEVSERVER_START_TIMEOUT_MS does not set one. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;

/**
 * A no-op executable that @temporalio/testing may "launch" for a server already running: it stays until killed
 * (or its parent goes), while the SDK connects to the port it was given.
 */
export const ATTACH_EXECUTABLE = path.resolve(__dirname, '../bin/attach-running-server');

export interface LaunchedServer {
  /** `host:port` the server printed. */
  readonly address: string;
  readonly port: number;
  /** SIGKILL, as @temporalio/testing ends the servers it launches; resolves once the process is gone. */
  kill(): Promise<void>;
}

export function startTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TACT_DEVSERVER_START_TIMEOUT_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_START_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`TACT_DEVSERVER_START_TIMEOUT_MS must be a positive integer (milliseconds), not "${raw}"`);
  return ms;
}

/** Runs the launcher with `args` and resolves when it prints its address; rejects with the reason otherwise. */
export function launchServer(
  args: string[],
  timeoutMs: number = startTimeoutMs(),
  executable: string = DEV_SERVER_EXECUTABLE,
): Promise<LaunchedServer> {
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise<LaunchedServer>((resolve, reject) => {
    let out = '';
    const fail = (reason: string) => {
      cleanup();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`the bundled Temporal server did not start: ${reason}`));
    };
    const onData = (chunk: Buffer) => {
      process.stdout.write(chunk);
      out += chunk.toString('utf8');
      const m = /listening on (\S+?):(\d+)[;\s]/.exec(out);
      if (!m) return;
      cleanup();
      // Keep echoing what it prints later, so its pipe never fills.
      child.stdout?.on('data', (later: Buffer) => process.stdout.write(later));
      resolve({ address: `${m[1]}:${m[2]}`, port: Number(m[2]), kill: () => killAndWait(child) });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`it exited (${signal ?? `code ${code}`}) before listening; its stderr is above`);
    const onError = (err: Error) => fail(err.message);
    const timer = setTimeout(
      () =>
        fail(`no "listening on" line within ${timeoutMs} ms (raise TACT_DEVSERVER_START_TIMEOUT_MS on a slow machine)`),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
