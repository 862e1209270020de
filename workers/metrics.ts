// The worker's own Prometheus metrics (docs/measurement.md, "Metrics for operators"): deliveries by provider and
// result, provider latency, and how long activity tasks wait for this worker (schedule-to-start). Served with the
// Temporal SDK's metrics on one port (TACT_WORKER_METRICS_PORT); `npm start` with every role in one process also adds
// them to the API's /metrics.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Histogram, Registry } from 'prom-client';
import type { ProviderCall } from '../activities/delivery';
import type { Clock } from '../clock';

/** Where `npm start` and the worker container serve the worker's metrics unless TACT_WORKER_METRICS_PORT says. */
export const DEFAULT_WORKER_METRICS_PORT = 9464;

/**
 * TACT_WORKER_METRICS_PORT: a TCP port (0: any free one), or `off`. Unset: `fallback` (the process entry points pass
 * DEFAULT_WORKER_METRICS_PORT; embedders and tests get none unless they ask).
 */
export function parseWorkerMetricsPort(value: string | undefined, fallback?: number): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return fallback;
  if (text === 'off') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`TACT_WORKER_METRICS_PORT must be a TCP port or "off", got "${text}"`);
  }
  return port;
}

export interface WorkerMetrics {
  registry: Registry;
  observeProviderCall: (call: ProviderCall) => void;
  /** Observes each activity attempt's schedule-to-start lag (measured with the product's clock). */
  activityInterceptor: ActivityInterceptorsFactory;
}

export function createWorkerMetrics(clock: Clock): WorkerMetrics {
  const registry = new Registry();
  const deliveries = new Counter({
    name: 'tact_deliveries_total',
    help:
      'Provider calls by provider (apns, fcm, smtp, twilio-sms, dry-run-*) and result: ok, permanent (the endpoint ' +
      'will never take it), retryable, malformed (payload refused), error (the call threw).',
    labelNames: ['provider', 'result'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tact_provider_latency_seconds',
    help: 'Time from a provider call to its answer, by provider.',
    labelNames: ['provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'tact_activity_schedule_to_start_seconds',
    help:
      'Time an activity attempt waited on the task queue before this worker started it, by activity: the ' +
      "worker's lag (high when workers are too few or saturated).",
    labelNames: ['activity'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    registry,
    observeProviderCall: (call) => {
      deliveries.inc({ provider: call.provider, result: call.result });
      latency.observe({ provider: call.provider }, call.seconds);
    },
    activityInterceptor: (ctx) => ({
      inbound: {
        execute(input, next) {
          const waited = (clock() - ctx.info.currentAttemptScheduledTimestampMs) / 1000;
          lag.observe({ activity: ctx.info.activityType }, Math.max(0, waited));
          return next(input);
        },
      },
    }),
  };
}

/** A free loopback port for the SDK's own exporter, which this process then reads and serves on. */
export async function freeLoopbackPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * GET /metrics: Tact's worker metrics followed by the Temporal SDK's (read from its exporter on `sdkMetricsUrl`; when
 * it does not answer, a comment says so and `tact_worker_sdk_metrics_up` is 0).
 */
export async function serveWorkerMetrics(options: {
  port: number;
  host?: string;
  registry: Registry;
  sdkMetricsUrl: string | undefined;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void scrape(options.registry, options.sdkMetricsUrl).then(
      (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function scrape(registry: Registry, sdkMetricsUrl: string | undefined): Promise<string> {
  const own = await registry.metrics();
  let sdk = '# Temporal SDK metrics: not exported in this process (its runtime was installed without them)\n';
  let up = 0;
  if (sdkMetricsUrl !== undefined) {
    try {
      const answer = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(5_000) });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      sdk = await answer.text();
      up = 1;
    } catch (error) {
      sdk = `# Temporal SDK metrics: unavailable (${error instanceof Error ? error.message : 'unknown'})\n`;
    }
  }
  const health =
    '# HELP tact_worker_sdk_metrics_up Whether the Temporal SDK metrics below could be read (1) or not (0).\n' +
    `# TYPE tact_worker_sdk_metrics_up gauge\ntact_worker_sdk_metrics_up ${up}\n`;
  return `${own}\n${health}${sdk}`;
}
