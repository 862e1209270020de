// The API's boundary to Temporal: every write reaches a user's workflow here (signal-with-start),
// with a deadline, so that an unreachable Temporal becomes a prompt 503 rather than a hung request.
import { isGrpcServiceError, type Client, type Connection } from '@temporalio/client';
import type { SessionAggregate } from '../domain/engagement';
import type { EpochMs, NotificationEvent, Preferences, UserProfile } from '../domain/types';
import type { CandidatesProposal, UserEventSignal, UserStateView } from '../workflows/definitions';
import type { RuntimeOptions } from '../workflows/user-state';
import type { EnrollSignalInput } from '../journeys/definitions';
import type { ApiMetrics } from './metrics';
import { TactUserClient } from './user-client';
import { wallClock } from '../clock';
import { temporalUnavailable } from './problem';

/** What the API asks of user workflows. Tests wrap it to count what reaches Temporal. */
export interface UserWorkflows {
  sendEvent(event: UserEventSignal): Promise<void>;
  /** Candidates proposed through the API, in one signal. */
  proposeCandidates(userId: string, proposal: CandidatesProposal): Promise<void>;
  /** A session that changes the plan now (it ends the user's dormancy); other sessions are never signalled. */
  appOpened(userId: string, at: EpochMs, sessions?: SessionAggregate): Promise<void>;
  updateProfile(userId: string, profile: UserProfile): Promise<void>;
  /**
   * Signals the full stored preferences with their version (db/preferences.ts StoredPreferences): the workflow keeps
   * the highest version it has seen, so two quick changes signalled out of order still end in the later one.
   */
  updatePreferences(userId: string, preferences: Preferences, version: number): Promise<void>;
  devicesChanged(userId: string, at: EpochMs): Promise<void>;
  notificationEvent(userId: string, event: NotificationEvent): Promise<void>;
  /** Asks the user's workflow to enroll the user in a journey (it applies the enrollment rules). */
  enroll(userId: string, request: EnrollSignalInput): Promise<void>;
  /** null when the user has no workflow. */
  state(userId: string): Promise<UserStateView | null>;
  /** Resolves when Temporal answers a health check. */
  ping(): Promise<void>;
}

/** Temporal could not be reached (or did not answer in time); nothing was applied. */
export class WorkflowsUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Temporal unavailable: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`, { cause });
    this.name = 'WorkflowsUnavailableError';
  }
}

// gRPC codes meaning "the service is not there or not answering", as opposed to a rejected request.
const UNAVAILABLE_CODES = new Set([
  1, // CANCELLED (the channel was shut down under the call)
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  14, // UNAVAILABLE
]);

export function isUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 6; depth += 1) {
    if (isGrpcServiceError(current) && UNAVAILABLE_CODES.has(current.code)) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number' && UNAVAILABLE_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Runs a handler's Temporal call; a Temporal that cannot be reached becomes a 503 with Retry-After. */
export async function orTemporalUnavailable<T>(retryAfterSeconds: number, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw temporalUnavailable(retryAfterSeconds);
    throw error;
  }
}

const PING_TIMEOUT_MS = 2_000;

export interface TemporalGatewayOptions {
  client: Client;
  connection: Connection;
  taskQueue: string;
  /** Per-call deadline; default 5 s. */
  timeoutMs?: number;
  workflowOptions?: RuntimeOptions;
  metrics?: ApiMetrics;
}

export class TemporalUserWorkflows implements UserWorkflows {
  private readonly users: TactUserClient;
  private readonly timeoutMs: number;

  constructor(private readonly options: TemporalGatewayOptions) {
    this.users = new TactUserClient(options.client, {
      taskQueue: options.taskQueue,
      ...(options.workflowOptions ? { workflowOptions: options.workflowOptions } : {}),
    });
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  sendEvent(event: UserEventSignal): Promise<void> {
    return this.signal('userEvent', () => this.users.sendEvent(event));
  }

  proposeCandidates(userId: string, proposal: CandidatesProposal): Promise<void> {
    return this.signal('candidates', () => this.users.proposeCandidates(userId, proposal));
  }

  enroll(userId: string, request: EnrollSignalInput): Promise<void> {
    return this.signal('enroll', () => this.users.enroll(userId, request));
  }

  appOpened(userId: string, at: EpochMs, sessions?: SessionAggregate): Promise<void> {
    return this.signal('appOpened', () => this.users.appOpened(userId, at, sessions));
  }

  updateProfile(userId: string, profile: UserProfile): Promise<void> {
    return this.signal('profile', () => this.users.updateProfile(userId, profile));
  }

  updatePreferences(userId: string, preferences: Preferences, version: number): Promise<void> {
    return this.signal('preferences', () => this.users.setPreferences(userId, preferences, version));
  }

  devicesChanged(userId: string, at: EpochMs): Promise<void> {
    return this.signal('devicesChanged', () => this.users.devicesChanged(userId, at));
  }

  notificationEvent(userId: string, event: NotificationEvent): Promise<void> {
    return this.signal('notificationEvent', () => this.users.notificationEvent(userId, event));
  }

  state(userId: string): Promise<UserStateView | null> {
    return this.call(() => this.users.state(userId));
  }

  /** Shorter than the readiness check's own limit, so no health call outlives the request that made it. */
  async ping(): Promise<void> {
    await this.call(() => this.options.connection.healthService.check({}), PING_TIMEOUT_MS);
  }

  private async signal(name: string, send: () => Promise<void>): Promise<void> {
    try {
      await this.call(send);
      this.options.metrics?.signals.inc({ signal: name, result: 'ok' });
    } catch (error) {
      this.options.metrics?.signals.inc({
        signal: name,
        result: error instanceof WorkflowsUnavailableError ? 'unavailable' : 'error',
      });
      throw error;
    }
  }

  private async call<T>(fn: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    try {
      return await this.options.connection.withDeadline(wallClock() + timeoutMs, fn);
    } catch (error) {
      if (isUnavailable(error)) throw new WorkflowsUnavailableError(error);
      throw error;
    }
  }
}
