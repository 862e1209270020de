// One time-skipping Temporal environment (its clock starting at TEST_START_MS, never the real date), one workflow bundle and one Tact worker per test file,
// through the real SDK and the project's single env helper (test/temporal-env.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import {
  createActivities,
  createDryRunDeliver,
  InMemoryDecisionStore,
  InMemoryJourneyRuns,
  InMemoryUserSettings,
  serverClock,
} from '../../../activities';
import { createScoreCandidates } from '../../../activities/scoring';
import type { HandoverSources } from '../../../activities/handover';
import type { DeliverNotificationInput, DeliveryResult } from '../../../activities/types';
import { TactUserClient } from '../../../api/user-client';
import type { DecisionStore, UserSettingsSource } from '../../../domain/ports';
import type { Decision, EpochMs, Score } from '../../../domain/types';
import { userWorkflowId, type UserStateView } from '../../../workflows/definitions';
import { TACT_SEARCH_ATTRIBUTE_KEYS } from '../../../workflows/search-attributes';
import { installQuietRuntime } from '../../support/quiet-runtime';
import type { RuntimeOptions } from '../../../workflows/user-state';
import { createTactWorker, WORKFLOWS_PATH } from '../../../workers/worker';
import { createTestEnv } from '../../temporal-env';
import { TEST_START_MS } from '../../support/test-clock';
import { waitFor } from '../../support/wait';
import { stopWorker, stopWorkerAndServer } from '../../support/worker-lifecycle';
import { epochMs } from '../../../domain/units';

export interface DeliveryCall {
  input: DeliverNotificationInput;
  /** When the attempt was scheduled, on the server's (skipped) clock. */
  at: EpochMs;
}

export interface Harness {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  readonly bundle: WorkflowBundleWithSourceMap;
  readonly taskQueue: string;
  readonly users: TactUserClient;
  /** A client whose workflows start with these options (e.g. small history caps). */
  usersWith(workflowOptions: RuntimeOptions): TactUserClient;
  readonly decisions: InMemoryDecisionStore;
  /** Journey runs' starts and ends, as the journeys table would hold them. */
  readonly journeyRuns: InMemoryJourneyRuns;
  /** The settings stored for users (as the API stores them), which a workflow loads when it starts. */
  readonly settings: InMemoryUserSettings;
  /** While true, every settings load fails (as a database outage would). */
  settingsDown: boolean;
  /** Every settings load attempt (the user id), failed ones included, in order. */
  readonly settingsLoads: string[];
  /** Holds every settings load until the returned function is called. */
  holdSettingsLoads(): () => void;
  /** While true, every write to the decision log fails (as a database outage would). */
  decisionLogDown: boolean;
  /** Every delivery attempt, in order. */
  readonly deliveries: DeliveryCall[];
  /** Candidate id → what the scoring model says of it instead of the heuristic prior (to make the model disagree). */
  readonly modelOverrides: Map<string, Partial<Omit<Score, 'candidateId'>>>;
  /** Candidate id → the failed result its delivery reports instead of the dry run's success. */
  readonly failedDeliveries: Map<string, Extract<DeliveryResult, { kind: 'failed' }>>;
  /** Candidate id → until when its delivery attempts throw (a provider outage: Temporal retries the attempt). */
  readonly deliveryOutages: Map<string, EpochMs>;
  /** Every call of the scoring model (inside sendNotification): for whom, and how many candidates. */
  readonly scoringCalls: { userId: string; candidates: number }[];
  now(): Promise<EpochMs>;
  /** Advances the (skipped) clock to `at`. */
  sleepUntil(at: EpochMs): Promise<void>;
  /** Polls the state query (no time passes) until `ready` holds. */
  waitForState(userId: string, ready: (s: UserStateView) => boolean, what: string): Promise<UserStateView>;
  /** Waits until the decision log holds at least `count` decisions of the user, and returns them. */
  waitForDecisions(userId: string, count: number): Promise<Decision[]>;
  state(userId: string): Promise<UserStateView>;
  /** Histories of every run of a user's workflow, oldest first. */
  histories(userId: string): Promise<{ runId: string; history: temporal.api.history.v1.IHistory }[]>;
  /** Shuts the worker down (its cached workflows go with it); tasks wait on the server until startWorker. */
  stopWorker(): Promise<void>;
  /** A new worker on the same queue and activities: it rebuilds every workflow it gets from its history. */
  startWorker(): Promise<void>;
}

export function uniqueUser(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function defineHarness(
  options: {
    workflowOptions?: RuntimeOptions;
    /** The version (and session aggregates) the activities hand to workflows (activities/handover.ts). */
    handover?: HandoverSources;
  } = {},
): Harness {
  installQuietRuntime();
  const taskQueue = `tact-test-${randomUUID().slice(0, 8)}`;
  const decisions = new InMemoryDecisionStore();
  const journeyRuns = new InMemoryJourneyRuns();
  const deliveries: DeliveryCall[] = [];
  const failedDeliveries = new Map<string, Extract<DeliveryResult, { kind: 'failed' }>>();
  const deliveryOutages = new Map<string, EpochMs>();
  const scoringCalls: { userId: string; candidates: number }[] = [];
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`harness: ${what} used before beforeAll finished`);
    return value;
  };

  const dryRun = createDryRunDeliver(serverClock);
  const decisionLog: DecisionStore = {
    recordDecisions: async (userId, batch) => {
      if (harness.decisionLogDown) throw new Error('decision log unavailable (test outage)');
      await decisions.recordDecisions(userId, batch);
    },
  };
  const settings = new InMemoryUserSettings();
  const settingsLoads: string[] = [];
  let settingsHeld: Promise<void> = Promise.resolve();
  const settingsSource: UserSettingsSource = {
    load: async (userId) => {
      settingsLoads.push(userId);
      await settingsHeld;
      if (harness.settingsDown) throw new Error('settings store unavailable (test outage)');
      return settings.load(userId);
    },
  };
  const modelOverrides = new Map<string, Partial<Omit<Score, 'candidateId'>>>();
  const prior = createScoreCandidates();
  const activities = createActivities({
    decisions: decisionLog,
    journeys: journeyRuns,
    settings: settingsSource,
    sendHistory: decisions,
    score: async (input) => {
      scoringCalls.push({ userId: input.userId, candidates: input.candidates.length });
      return (await prior(input)).map((score) => ({ ...score, ...modelOverrides.get(score.candidateId) }));
    },
    deliver: async (input) => {
      const at = serverClock();
      deliveries.push({ input, at });
      if (at < (deliveryOutages.get(input.candidate.id) ?? -Infinity)) throw new Error('provider unavailable (test)');
      return failedDeliveries.get(input.candidate.id) ?? dryRun(input);
    },
    now: serverClock,
    ...(options.handover === undefined ? {} : { handover: options.handover }),
  });

  const harness: Harness = {
    get env() {
      return required(env, 'env');
    },
    get client() {
      return required(env, 'env').client;
    },
    get bundle() {
      return required(bundle, 'bundle');
    },
    taskQueue,
    get users() {
      return new TactUserClient(required(env, 'env').client, {
        taskQueue,
        ...(options.workflowOptions ? { workflowOptions: options.workflowOptions } : {}),
      });
    },
    usersWith(workflowOptions) {
      return new TactUserClient(required(env, 'env').client, { taskQueue, workflowOptions });
    },
    decisions,
    journeyRuns,
    settings,
    settingsDown: false,
    settingsLoads,
    holdSettingsLoads() {
      let release!: () => void;
      settingsHeld = new Promise((resolve) => (release = resolve));
      return release;
    },
    decisionLogDown: false,
    deliveries,
    failedDeliveries,
    deliveryOutages,
    modelOverrides,
    scoringCalls,
    now: async () => epochMs(await required(env, 'env').currentTimeMs()),
    async sleepUntil(at) {
      const now = await harness.now();
      if (at > now) await harness.env.sleep(at - now);
    },
    async state(userId) {
      const state = await harness.users.state(userId);
      if (!state) throw new Error(`no workflow for ${userId}`);
      return state;
    },
    async waitForState(userId, ready, what) {
      let last: UserStateView | null = null;
      return waitFor(
        what,
        async () => {
          last = await harness.users.state(userId);
          return last && ready(last) ? last : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250, describe: () => JSON.stringify(last, null, 1) },
      );
    },
    waitForDecisions(userId, count) {
      return waitFor(
        `${count} decisions of ${userId} in the decision log`,
        () => {
          const logged = decisions.decisionsFor(userId);
          return logged.length >= count ? logged : undefined;
        },
        { timeoutMs: 30_000, describe: () => JSON.stringify(decisions.decisionsFor(userId), null, 1) },
      );
    },
    async histories(userId) {
      const client = harness.client;
      const workflowId = userWorkflowId(userId);
      const latest = await client.workflow.getHandle(workflowId).fetchHistory();
      const firstRunId =
        latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ??
        (() => {
          throw new Error('history has no start event');
        })();
      const runs: { runId: string; history: temporal.api.history.v1.IHistory }[] = [];
      let runId: string | null | undefined = firstRunId;
      while (runId) {
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        runs.push({ runId, history });
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      }
      return runs;
    },
    async stopWorker() {
      await stopWorker(worker, running);
      worker = undefined;
      running = undefined;
    },
    async startWorker() {
      if (worker !== undefined) throw new Error('harness: a worker is running already');
      const created = required(env, 'env');
      worker = await createTactWorker({
        connection: created.nativeConnection,
        activities,
        workflowBundle: required(bundle, 'bundle'),
        config: { taskQueue, namespace: created.namespace ?? 'default' },
      });
      running = worker.run();
    },
  };

  beforeAll(async () => {
    const [createdEnv, createdBundle] = await Promise.all([
      createTestEnv({ mode: 'time-skipping', searchAttributes: TACT_SEARCH_ATTRIBUTE_KEYS, startAt: TEST_START_MS }),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
    ]);
    env = createdEnv;
    bundle = createdBundle;
    await harness.startWorker();
  });

  afterAll(async () => {
    await stopWorkerAndServer(worker, running, env);
  });

  return harness;
}
