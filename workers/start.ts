// The worker's composition root: the Temporal runtime, the worker's metrics endpoint, the connection, the
// production activities and the worker on Tact's task queue. `workers/main.ts` runs it as its own process;
// `npm start` (api/start.ts) runs it beside the API when TACT_ROLE is all or worker.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createRuntimeActivities, type RuntimeActivities, type RuntimeActivitiesOptions } from '../activities/runtime';
import type { RuleSet } from '../domain/catalog';
import type { PolicyConfig } from '../domain/config';
import type { WorkerConfig } from './config';
import { createTactWorker } from './worker';
import { Client } from '@temporalio/client';
import { createCampaignActivities } from '../activities/campaign';
import { createErasureActivities } from '../activities/erasure';
import { tactDataConverter } from '../codec/data-converter';
import type { TactPayloadCodec } from '../codec/payload-codec';
import { loadDispatchConfig, parseDecisionLogDelay } from './dispatcher/config';
import type { Dispatcher } from './dispatcher/dispatcher';
import { startDispatching } from './dispatcher';
import { wallClock, type Clock } from '../clock';
import type { Registry } from 'prom-client';
import { createWorkerMetrics, freeLoopbackPort, parseWorkerMetricsPort, serveWorkerMetrics } from './metrics';

export interface StartWorkerOptions {
  env: NodeJS.ProcessEnv;
  pool: RuntimeActivitiesOptions['pool'];
  config: WorkerConfig;
  policy?: PolicyConfig;
  /** The catalog's template tree (delivery renders from it). */
  templatesDir?: string;
  /** The catalog/policy version this worker runs with, handed to workflows on an older one. */
  currentConfig?: () => RuleSet;
  /** Structured log of the worker's activities. */
  log: NonNullable<RuntimeActivitiesOptions['log']>;
  print: (line: string) => void;
  /** Builds the worker's activities; default createRuntimeActivities (tests observe the options it is given). */
  createActivities?: (options: RuntimeActivitiesOptions) => Promise<RuntimeActivities>;
  /** The payload codec (codec/setup.ts); without it payloads go to Temporal unencrypted. */
  codec?: TactPayloadCodec;
  /** The product's one clock (clock/); default the wall clock. */
  clock?: Clock;
  /** The metrics port when TACT_WORKER_METRICS_PORT is unset: the process entry points pass 9464; default none. */
  defaultMetricsPort?: number;
}

export interface RunningWorker {
  /** The worker's own metrics (workers/metrics.ts), which an API in the same process serves too. */
  metrics: Registry;
  /** Where this process serves them with the SDK's (TACT_WORKER_METRICS_PORT); absent when off. */
  metricsUrl?: string;
  /** The secret unsubscribe links are signed with (the API verifies them with the same one). */
  unsubscribeSecret: string;
  /** Resolves or rejects when the worker stops by itself (it failed): the process should then stop. */
  stopped: Promise<unknown>;
  /** Lets running activities finish (up to config.shutdownGraceTimeMs), then closes the connection. */
  stop(): Promise<void>;
  /** The ingestion dispatcher of this process (absent with TACT_DISPATCHER=off): the API of the same process wakes it. */
  dispatcher?: Dispatcher;
}

let runtime: Promise<string | undefined> | undefined;

/**
 * Installs the SDK runtime once per process: shutdown is ours (the process entry points handle SIGINT/SIGTERM), and
 * when the worker serves metrics the SDK exports its own on a loopback port, which the worker's endpoint serves on.
 * Resolves to where the SDK's metrics are read (none when a runtime already existed without them, as in some tests).
 */
function installRuntime(withMetrics: boolean): Promise<string | undefined> {
  return (runtime ??= (async () => {
    const bindAddress = withMetrics ? `127.0.0.1:${await freeLoopbackPort()}` : undefined;
    try {
      Runtime.install({
        shutdownSignals: [],
        logger: new DefaultLogger('WARN'),
        // Durations in seconds, as Prometheus and Tact's own histograms have them.
        ...(bindAddress
          ? { telemetryOptions: { metrics: { prometheus: { bindAddress, useSecondsForDurations: true } } } }
          : {}),
      });
      return bindAddress && `http://${bindAddress}/metrics`;
    } catch {
      // A runtime already exists in this process (tests); keep it.
      return undefined;
    }
  })());
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const metricsPort = parseWorkerMetricsPort(options.env.TACT_WORKER_METRICS_PORT, options.defaultMetricsPort);
  const sdkMetricsUrl = await installRuntime(metricsPort !== undefined);
  const metrics = createWorkerMetrics(options.clock ?? wallClock);
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    let metricsUrl: string | undefined;
    if (metricsPort !== undefined) {
      const served = await serveWorkerMetrics({ port: metricsPort, registry: metrics.registry, sdkMetricsUrl });
      cleanup.push(() => served.close());
      metricsUrl = served.url;
    }
    const connection = await NativeConnection.connect({ address: options.config.address });
    cleanup.push(() => connection.close());
    const wiring = await (options.createActivities ?? createRuntimeActivities)({
      pool: options.pool,
      env: options.env,
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      ...(options.templatesDir === undefined ? {} : { templatesDir: options.templatesDir }),
      ...(options.currentConfig === undefined ? {} : { currentConfig: options.currentConfig }),
      log: options.log,
      now: options.clock ?? wallClock,
      observeProviderCall: metrics.observeProviderCall,
    });
    cleanup.push(() => wiring.close());
    const dataConverter = tactDataConverter(options.codec);
    const client = new Client({ connection, namespace: options.config.namespace, dataConverter });
    const currentConfig = options.currentConfig;
    const worker = await createTactWorker({
      connection,
      activities: wiring.activities,
      config: options.config,
      dataConverter,
      activityInterceptors: [metrics.activityInterceptor],
      erasureActivities: createErasureActivities({
        pool: options.pool,
        now: options.clock ?? wallClock,
        client,
        ...(options.codec ? { codec: options.codec } : {}),
      }),
      campaignActivities: createCampaignActivities({
        pool: options.pool,
        client,
        taskQueue: options.config.taskQueue,
        now: options.clock ?? wallClock,
        ...(currentConfig ? { userWorkflowOptions: () => ({ config: currentConfig() }) } : {}),
      }),
    });
    const running = worker.run();
    cleanup.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    });
    // Durable-first ingestion: this process hands what the API queued to the user workflows (docs/ingestion.md).
    const dispatching = startDispatchingFor(options, client);
    if (dispatching) cleanup.push(() => dispatching.stop());
    const channels = Object.entries(wiring.channels).map(([channel, mode]) => `${channel} ${mode}`);
    options.print(`Worker: task queue ${options.config.taskQueue}; delivery: ${channels.join(', ')}`);
    if (metricsUrl) options.print(`Worker metrics: ${metricsUrl} (Tact's and the Temporal SDK's)`);
    if (Object.values(wiring.channels).includes('dry-run')) {
      options.print('         dry-run channels send nothing: their messages go to the outbox (GET /v1/outbox)');
    }
    if (dispatching)
      options.print(
        'Dispatcher: hands accepted events to user workflows; reconciler every ' +
          `${Math.round(loadDispatchConfig(options.env).reconcileIntervalMs / 1000)} s`,
      );
    return {
      metrics: metrics.registry,
      ...(metricsUrl ? { metricsUrl } : {}),
      unsubscribeSecret: wiring.unsubscribe.secret,
      stopped: running,
      stop: stopAll,
      ...(dispatching ? { dispatcher: dispatching.dispatcher } : {}),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The dispatcher and reconciler of this process, unless TACT_DISPATCHER=off (another process runs them). */
export function startDispatchingFor(
  options: Pick<StartWorkerOptions, 'env' | 'pool' | 'config' | 'currentConfig' | 'log'>,
  client: Client,
) {
  const config = loadDispatchConfig(options.env);
  if (!config.enabled) return undefined;
  const decisionLogDelayMs = parseDecisionLogDelay(options.env.TACT_DECISION_LOG_DELAY_MS);
  const ruleSet = options.currentConfig?.();
  return startDispatching({
    pool: options.pool,
    client,
    taskQueue: options.config.taskQueue,
    config,
    workflowOptions: {
      ...(decisionLogDelayMs === undefined ? {} : { decisionLogDelayMs }),
      ...(ruleSet === undefined ? {} : { config: ruleSet }),
    },
    log: options.log,
  });
}
