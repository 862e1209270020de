// The Tact worker as a real OS process (`workers/main.ts`, with its dispatcher), for drills that SIGKILL it: started
// against a given database and Temporal address, killed, started again on the same task queue. What it printed is
// kept, so a wait that times out (or a start that fails) can say what the worker said last.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const OUTPUT_TAIL = 4_000;

export interface WorkerProcessOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** More environment for the worker (providers, knobs); PATH and HOME are passed on, nothing else of the test's. */
  env?: Record<string, string | undefined>;
}

export interface WorkerProcess {
  /** Starts a worker process; resolves once it says it is running (fails with its output if it exits before). */
  start(): Promise<void>;
  /** Sends `signal` (default SIGKILL: no shutdown, no goodbye) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Whether a started process has not exited. */
  readonly running: boolean;
  /** The last few thousand characters the current (or last) process wrote, stdout and stderr interleaved. */
  output: () => string;
}

export function workerProcess(options: WorkerProcessOptions): WorkerProcess {
  let current: { child: ChildProcess; output: string[] } | undefined;
  const tail = () => (current?.output.join('') ?? '').slice(-OUTPUT_TAIL);

  return {
    async start() {
      if (current !== undefined && current.child.exitCode === null && current.child.signalCode === null) {
        throw new Error('worker process: one is running already');
      }
      const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DATABASE_URL: options.databaseUrl,
          TEMPORAL_ADDRESS: options.temporalAddress,
          TACT_TASK_QUEUE: options.taskQueue,
          TACT_WORKER_METRICS_PORT: 'off',
          TACT_RECONCILE_INTERVAL_MS: '0',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      current = { child, output };
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output.push(chunk.toString('utf8'));
          if (output.join('').includes('Tact worker is running')) resolve();
        });
        child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
        child.once('exit', (code, signal) =>
          reject(new Error(`worker exited (${code ?? signal}) before running:\n${output.join('').slice(-3000)}`)),
        );
      });
    },
    async kill(signal = 'SIGKILL') {
      const running = current;
      if (running === undefined || running.child.exitCode !== null || running.child.signalCode !== null) return;
      const exited = new Promise((resolve) => running.child.once('exit', resolve));
      running.child.kill(signal);
      await exited;
    },
    get running() {
      return current !== undefined && current.child.exitCode === null && current.child.signalCode === null;
    },
    output: tail,
  };
}
