// How a Tact process lives and stops, shared by both entry points (api/main.ts, workers/main.ts).
// SIGINT or SIGTERM starts a graceful stop: the API stops taking requests, the worker lets running activities
// finish (TACT_SHUTDOWN_GRACE_MS), then connections and the database close, and the process exits 0. A signal
// arriving within a second of the first is the same request told twice (npm, tsx or a terminal forward Ctrl-C
// to the process group as well as to the child) and is ignored; a later one forces exit 1.
import { wallClock } from '../clock';

export interface StoppableProcess {
  /** Resolves or rejects when the process's work ends by itself (a worker that failed). */
  stopped: Promise<unknown>;
  stop(): Promise<void>;
}

export interface RunOptions {
  /** How long a graceful stop may take before the process exits 1 anyway. */
  stopTimeoutMs: number;
  name: string;
}

const SAME_REQUEST_MS = 1_000;

export function runUntilSignal(start: () => Promise<StoppableProcess>, options: RunOptions): void {
  const say = (line: string) => process.stderr.write(`${options.name}: ${line}\n`);
  let running: StoppableProcess | undefined;
  let firstSignalAt: number | undefined;

  const stop = (code: number) => {
    const stopping = running;
    if (!stopping) return process.exit(code);
    running = undefined;
    process.stdout.write('Tact stopping…\n');
    const deadline = setTimeout(() => {
      say(`did not stop within ${options.stopTimeoutMs} ms; exiting`);
      process.exit(1);
    }, options.stopTimeoutMs);
    deadline.unref();
    stopping.stop().then(
      () => process.exit(code),
      (error: unknown) => {
        say(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    const now = wallClock();
    if (firstSignalAt === undefined) {
      firstSignalAt = now;
      stop(0);
    } else if (now - firstSignalAt >= SAME_REQUEST_MS) {
      say(`${signal} again: stopping now`);
      process.exit(1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  start().then(
    (started) => {
      running = started;
      // A signal that came while starting: stop now that there is something to stop.
      if (firstSignalAt !== undefined) stop(0);
      started.stopped.then(
        () => {
          if (running) stop(0);
        },
        (error: unknown) => {
          say(`the worker failed: ${error instanceof Error ? error.message : String(error)}`);
          stop(1);
        },
      );
    },
    (error: unknown) => {
      say(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
