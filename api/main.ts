// Process entry point of `npm start` and of the API container (`node dist/api/main.js`): every role, see
// api/start.ts. The worker container runs workers/main.ts instead.
import { loadWorkerConfig } from '../workers/config';
import { DEFAULT_WORKER_METRICS_PORT } from '../workers/metrics';
import { runUntilSignal } from '../workers/lifecycle';
import { startTact } from './start';

/** Beyond the worker's grace for activities: the API's in-flight requests (5 s) and closing connections. */
const STOP_MARGIN_MS = 10_000;

runUntilSignal(
  async () => {
    const tact = await startTact({ defaultWorkerMetricsPort: DEFAULT_WORKER_METRICS_PORT });
    return { stopped: tact.workerStopped, stop: () => tact.stop() };
  },
  { name: 'tact', stopTimeoutMs: loadWorkerConfig(process.env).shutdownGraceTimeMs + STOP_MARGIN_MS },
);
