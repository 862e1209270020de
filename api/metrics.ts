// Prometheus metrics of the API, on a registry of its own (tests and embedders start several apps).
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  /** Served on /metrics after the API's own: the worker's when it runs in this process (workers/metrics.ts). */
  also: Registry[];
  requests: Counter<'method' | 'route' | 'status'>;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  eventsAccepted: Counter<'outcome'>;
  signals: Counter<'signal' | 'result'>;
  sessions: Counter<'signalled'>;
}

export function createMetrics(options: { processMetrics?: boolean; also?: Registry[] } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'tact_' });
  return {
    registry,
    also: options.also ?? [],
    requests: new Counter({
      name: 'tact_http_requests_total',
      help: 'HTTP requests by route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'tact_http_request_duration_seconds',
      help: 'HTTP request latency by route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    eventsAccepted: new Counter({
      name: 'tact_events_total',
      help:
        'User events received, by outcome (accepted: handed to the workflow; duplicate: an id applied before; ' +
        'in_flight: an id another request is applying, answered 409).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    signals: new Counter({
      name: 'tact_workflow_signals_total',
      help: 'Signals (signal-with-start) sent to user workflows, by signal and result.',
      labelNames: ['signal', 'result'],
      registers: [registry],
    }),
    sessions: new Counter({
      name: 'tact_sessions_total',
      help:
        'App sessions and engagement events aggregated, by whether the workflow was signalled (only when one ends ' +
        'a dormancy: the rest reach it with its next activity).',
      labelNames: ['signalled'],
      registers: [registry],
    }),
  };
}
