// The campaign bench's process layout (bench/campaigns.ts): the bundled Temporal server (its launcher,
// packages/temporal-devserver/bin) and the campaign worker (worker.ts) each in an OS process of their own, both with
// memory-reporter.ts preloaded; this module forks them and keeps every memory sample they send, with the bench's own.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { searchAttributeCliArgs } from '../../workflows/search-attributes';
import {
  WORKER_ENV,
  type BaselineRequest,
  type FromWorker,
  type MemorySample,
  type SettleRequest,
  type ToWorker,
} from './protocol';
import { settledMemory } from './settle';

const ROOT = path.resolve(__dirname, '../..');
const LAUNCHER = path.join(ROOT, 'packages/temporal-devserver/bin/tact-temporal-dev.ts');
const WORKER = path.join(__dirname, 'worker.ts');
const REPORTER = path.join(__dirname, 'memory-reporter.ts');
const START_TIMEOUT_MS = 180_000;

export type ProcessName = 'server' | 'worker' | 'bench';

export class MemoryLog {
  /** The periodic samples of each process. */
  readonly samples = new Map<ProcessName, MemorySample[]>([
    ['server', []],
    ['worker', []],
    ['bench', []],
  ]);
  /** Per checkpoint tag, each process's sample after full garbage collections. */
  readonly settled = new Map<string, Map<ProcessName, MemorySample>>();
  private readonly children = new Map<ProcessName, ChildProcess>();
  private readonly waiting = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;

  constructor(sampleMs: number) {
    const own = () => {
      const { rss, heapUsed } = process.memoryUsage();
      this.add('bench', { kind: 'memory', at: Date.now(), rss, heapUsed });
    };
    own();
    this.timer = setInterval(own, sampleMs);
  }

  /** Keeps the memory samples `child` sends (memory-reporter.ts). */
  watch(name: ProcessName, child: ChildProcess): void {
    this.children.set(name, child);
    child.on('message', (message: { kind?: unknown }) => {
      if (message.kind === 'memory') this.add(name, message as MemorySample);
    });
  }

  add(name: ProcessName, sample: MemorySample): void {
    if (sample.settled === undefined) {
      this.samples.get(name)?.push(sample);
      return;
    }
    const checkpoint = this.settled.get(sample.settled) ?? new Map<ProcessName, MemorySample>();
    checkpoint.set(name, sample);
    this.settled.set(sample.settled, checkpoint);
    for (const wake of this.waiting) wake();
  }

  /** A checkpoint: every process collects its garbage and reports what it retains; resolves once all have. */
  async settle(tag: string): Promise<void> {
    const expected = 1 + this.children.size;
    const all = new Promise<void>((resolve) => {
      const wake = () => {
        if ((this.settled.get(tag)?.size ?? 0) < expected) return;
        this.waiting.delete(wake);
        resolve();
      };
      this.waiting.add(wake);
    });
    for (const child of this.children.values()) child.send({ kind: 'settle', tag } satisfies SettleRequest);
    this.add('bench', { ...(await settledMemory()), settled: tag });
    await all;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function childArgs(): string[] {
  return ['--require', require.resolve('tsx/cjs'), '--require', REPORTER];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves with `value()` once `ready` says so from a message or stdout; rejects if the child exits first. */
function whenReady<T>(child: ChildProcess, what: string, ready: (message: unknown, out: string) => T | undefined) {
  return new Promise<T>((resolve, reject) => {
    let out = '';
    const check = (message: unknown) => {
      const value = ready(message, out);
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      check(undefined);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`${what} exited (${signal ?? `code ${code}`}) before it was ready; its output: ${out}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} was not ready within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('message', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.on('message', check);
    child.once('exit', onExit);
  });
}

export interface ServerProcess {
  address: string;
  pid: number;
  stop(): Promise<void>;
}

/** The bundled server's launcher, in memory, on a free port, with Tact's search attributes. */
export async function startServerProcess(log: MemoryLog): Promise<ServerProcess> {
  const child = fork(LAUNCHER, ['--port', '0', '--log-level', 'warn', ...searchAttributeCliArgs()], {
    execArgv: childArgs(),
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  log.watch('server', child);
  try {
    const address = await whenReady(child, 'the bundled Temporal server', (_message, out) => {
      const m = /listening on (\S+?):(\d+)[;\s]/.exec(out);
      return m ? `${m[1]}:${m[2]}` : undefined;
    });
    // Its stdout is not needed any more; keep draining it so the pipe never fills.
    child.stdout?.resume();
    return {
      address,
      pid: child.pid ?? 0,
      stop: async () => {
        const gone = exited(child);
        child.kill('SIGTERM');
        await gone;
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

export interface WorkerProcess {
  pid: number;
  /** Signal-with-start from the worker process (the server's own rate with this layout); resolves with seconds. */
  baseline(request: Omit<BaselineRequest, 'kind'>): Promise<number>;
  /** How long the fan-out's activities had a signal in flight, and how many they sent. */
  signalTime(): Promise<{ seconds: number; signals: number }>;
  stop(): Promise<void>;
}

export async function startWorkerProcess(
  log: MemoryLog,
  settings: { address: string; databaseUrl: string; campaignQueue: string; userQueue: string; concurrency: number },
): Promise<WorkerProcess> {
  const child = fork(WORKER, [], {
    execArgv: childArgs(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      [WORKER_ENV.address]: settings.address,
      [WORKER_ENV.databaseUrl]: settings.databaseUrl,
      [WORKER_ENV.campaignQueue]: settings.campaignQueue,
      [WORKER_ENV.userQueue]: settings.userQueue,
      [WORKER_ENV.concurrency]: String(settings.concurrency),
    },
  });
  log.watch('worker', child);
  const tell = (message: ToWorker) => child.send(message);
  try {
    await whenReady(child, 'the campaign worker', (message) =>
      (message as FromWorker | undefined)?.kind === 'ready' ? true : undefined,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    pid: child.pid ?? 0,
    baseline: async (request) => {
      const done = whenReady(child, 'the baseline', (message) => {
        const m = message as FromWorker | undefined;
        return m?.kind === 'baseline-done' ? m.seconds : undefined;
      });
      tell({ kind: 'baseline', ...request });
      return done;
    },
    signalTime: async () => {
      const answer = whenReady(child, 'the signal time', (message) => {
        const m = message as FromWorker | undefined;
        return m?.kind === 'signal-time' ? { seconds: m.seconds, signals: m.signals } : undefined;
      });
      tell({ kind: 'signal-time' });
      return answer;
    },
    stop: async () => {
      const gone = exited(child);
      tell({ kind: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
