// The worker's composition root: the Temporal runtime (with its Prometheus endpoint), the connection, the
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
}

export interface RunningWorker {
  /** The secret unsubscribe links are signed with (the API verifies them with the same one). */
  unsubscribeSecret: string;
  /** Resolves or rejects when the worker stops by itself (it failed): the process should then stop. */
  stopped: Promise<unknown>;
  /** Lets running activities finish (up to config.shutdownGraceTimeMs), then closes the connection. */
  stop(): Promise<void>;
  /** The ingestion dispatcher of this process (absent with TACT_DISPATCHER=off): the API of the same process wakes it. */
  dispatcher?: Dispatcher;
}

let runtimeInstalled = false;

/**
 * Installs the SDK runtime once per process: shutdown is ours (the process entry points handle SIGINT/SIGTERM),
 * and with TACT_WORKER_METRICS_ADDRESS (host:port) the SDK serves its worker metrics for Prometheus there.
 */
function installRuntime(env: NodeJS.ProcessEnv, print: (line: string) => void): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const metricsAddress = env.TACT_WORKER_METRICS_ADDRESS?.trim();
  if (metricsAddress && !/^[^\s/]+:\d{1,5}$/.test(metricsAddress)) {
    throw new Error(`TACT_WORKER_METRICS_ADDRESS must be host:port, got "${metricsAddress}"`);
  }
  try {
    Runtime.install({
      shutdownSignals: [],
      logger: new DefaultLogger('WARN'),
      ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
    });
    if (metricsAddress) print(`Worker metrics: http://${metricsAddress}/metrics`);
  } catch {
    // A runtime already exists in this process (tests); keep it.
  }
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  installRuntime(options.env, options.print);
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
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
    if (Object.values(wiring.channels).includes('dry-run')) {
      options.print('         dry-run channels send nothing: their messages go to the outbox (GET /v1/outbox)');
    }
    if (dispatching)
      options.print(
        'Dispatcher: hands accepted events to user workflows; reconciler every ' +
          `${Math.round(loadDispatchConfig(options.env).reconcileIntervalMs / 1000)} s`,
      );
    return {
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
