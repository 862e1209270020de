// A Temporal boundary whose signals the test drives: each call is recorded, and the next calls can be held
// (to overlap two requests), failed as "Temporal unavailable", or let through. For API behaviour that depends on
// the timing of signals, which a real server cannot be made to reproduce on demand.
import type http from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type AppDeps } from '../../api/app';
import { createLogger } from '../../api/logger';
import { WorkflowsUnavailableError, type UserWorkflows } from '../../api/workflow-gateway';
import { createRepositories, type Repositories } from '../../db/repositories';
import type { EpochMs, NotificationEvent, Preferences, UserEvent, UserProfile } from '../../domain/types';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { versionedPreferences } from '../../activities/runtime';
import type { UserStateView } from '../../workflows/definitions';
import { createDispatcher, type Dispatcher } from '../../workers/dispatcher/dispatcher';
import { callApi, createKeys, listen, type ApiResponse, type CallOptions } from './support';

export interface SignalCall {
  method: string;
  userId: string;
  args: unknown;
}

type Step = { kind: 'fail' } | { kind: 'hold'; released: Promise<void>; reached: () => void };

export class ScriptedWorkflows implements UserWorkflows {
  readonly calls: SignalCall[] = [];
  private readonly script: Step[] = [];
  /** When set, every signal fails as unavailable (Temporal down). */
  down = false;

  /** The next signal fails with WorkflowsUnavailableError. */
  failNext(): void {
    this.script.push({ kind: 'fail' });
  }

  /**
   * The next signal waits until `release` is called (then succeeds, or fails when `fail`); `reached` resolves once
   * the signal is waiting.
   */
  holdNext(): { reached: Promise<void>; release: (outcome?: 'ok' | 'fail') => void } {
    let release!: (outcome?: 'ok' | 'fail') => void;
    let reached!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve, reject) => {
      release = (outcome = 'ok') => (outcome === 'ok' ? resolve() : reject(new WorkflowsUnavailableError('held')));
    });
    this.script.push({ kind: 'hold', released, reached });
    return { reached: reachedPromise, release };
  }

  signalsOf(method: string, userId?: string): SignalCall[] {
    return this.calls.filter((call) => call.method === method && (userId === undefined || call.userId === userId));
  }

  sendEvent(event: UserEvent) {
    return this.signal('sendEvent', event.userId, event);
  }
  proposeCandidates(userId: string, proposal: unknown) {
    return this.signal('proposeCandidates', userId, proposal);
  }
  enroll(userId: string, request: unknown) {
    return this.signal('enroll', userId, request);
  }
  appOpened(userId: string, at: number) {
    return this.signal('appOpened', userId, { at });
  }
  updateProfile(userId: string, profile: UserProfile) {
    return this.signal('updateProfile', userId, profile);
  }
  updatePreferences(userId: string, preferences: Preferences, version: number) {
    return this.signal('updatePreferences', userId, { preferences, version });
  }
  devicesChanged(userId: string, at: EpochMs) {
    return this.signal('devicesChanged', userId, { at });
  }
  notificationEvent(userId: string, event: NotificationEvent) {
    return this.signal('notificationEvent', userId, event);
  }
  /** What the `state` query answers (default: no workflow); a test may hold or fail it. */
  stateAnswer: (userId: string) => Promise<UserStateView | null> = async () => null;

  state(userId: string): Promise<UserStateView | null> {
    return this.stateAnswer(userId);
  }
  async ping() {
    if (this.down) throw new WorkflowsUnavailableError(new Error('connect ECONNREFUSED 10.1.2.3:7233 (secret-host)'));
  }

  private async signal(method: string, userId: string, args: unknown): Promise<void> {
    const step = this.script.shift();
    if (this.down || step?.kind === 'fail') throw new WorkflowsUnavailableError(new Error('scripted outage'));
    if (step?.kind === 'hold') {
      step.reached();
      await step.released;
    }
    this.calls.push({ method, userId, args });
  }
}

export interface ScriptedApi {
  baseUrl: string;
  db: TestDatabase;
  repos: Repositories;
  workflows: ScriptedWorkflows;
  /** The ingestion dispatcher, run by the test: `drain()` hands what was accepted to the scripted workflows. */
  dispatcher: Dispatcher;
  adminKey: string;
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
}

/** The app on a private test database with a scripted Temporal boundary, one per test file. */
export function useScriptedApi(deps: Partial<Omit<AppDeps, 'repos' | 'workflows'>> = {}): () => ScriptedApi {
  let api: ScriptedApi | undefined;
  let server: http.Server | undefined;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await openTestDatabase();
    const repos = createRepositories(db.pool);
    const workflows = new ScriptedWorkflows();
    const dispatcher = createDispatcher(
      {
        queue: repos.ingest,
        settings: { users: repos.users, preferences: versionedPreferences(db.pool) },
        signals: workflows,
        retryInitialMs: 0,
        retryMaxMs: 0,
      },
      false,
    );
    const { app } = createApp({
      logger: createLogger({ level: 'silent' }),
      pool: db.pool,
      ...deps,
      repos,
      workflows,
    });
    const listening = await listen(app);
    server = listening.server;
    const adminKey = (await createKeys(repos)).admin;
    const baseUrl = listening.baseUrl;
    api = {
      baseUrl,
      db,
      repos,
      workflows,
      dispatcher,
      adminKey,
      call: (method, path, options = {}) =>
        callApi(baseUrl, method, path, { ...options, key: options.key === undefined ? adminKey : options.key }),
    };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await db?.close();
  });
  return () => {
    if (api === undefined) throw new Error('the scripted API is not started yet (use it inside a test)');
    return api;
  };
}
