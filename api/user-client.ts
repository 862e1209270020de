// Client-side helpers for the user workflow: every write is a signal-with-start, so the first
// event, candidate or profile change for a user creates their workflow.
import { WorkflowNotFoundError, type Client, type SignalDefinition } from '@temporalio/client';
import type { SessionAggregate } from '../domain/engagement';
import type { Candidate, EpochMs, NotificationEvent, Preferences, UserProfile } from '../domain/types';
import {
  appOpenedSignal,
  candidateSignal,
  candidatesSignal,
  devicesChangedSignal,
  notificationEventSignal,
  preferencesSignal,
  profileSignal,
  stateQuery,
  USER_WORKFLOW_TYPE,
  userEventSignal,
  userWorkflowId,
  withdrawSignal,
  type CandidatesProposal,
  type UserEventSignal,
  type UserStateView,
  type UserWorkflowInput,
  type WithdrawCandidates,
} from '../workflows/definitions';
import type { RuntimeOptions } from '../workflows/user-state';
import type { userWorkflow } from '../workflows/user-workflow';

export class InvalidUserIdError extends Error {
  override name = 'InvalidUserIdError';
}

/**
 * User ids end up in workflow ids, which are not secret: they must be opaque. Rejects ids that look
 * like e-mail addresses or phone numbers, whitespace, and anything over 128 characters.
 */
export function assertOpaqueUserId(userId: string): void {
  if (typeof userId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(userId)) {
    throw new InvalidUserIdError('user id must be 1–128 characters of [A-Za-z0-9._:-]');
  }
  if (looksLikeContact(userId)) throw new InvalidUserIdError('user id looks like a phone number; use an opaque id');
}

/**
 * Whether an id looks like a phone number or an e-mail address. User, event and candidate ids travel into Temporal
 * (workflow ids, signal payloads, history), which is no place for personal data.
 */
export function looksLikeContact(id: string): boolean {
  return /^\+?\d[\d.-]{6,}$/.test(id) || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(id);
}

/**
 * The payload of the preferences signal when it carries the full stored preferences: `version` increases with every
 * stored write, and a workflow should ignore a signal whose version is not above the last one it applied.
 */
export type VersionedPreferencesChange = Partial<Preferences> & { version?: number };

export interface UserClientOptions {
  taskQueue: string;
  /** Knobs for workflows this client starts (policy overrides, trigger rules, history caps). */
  workflowOptions?: RuntimeOptions;
}

export class TactUserClient {
  constructor(
    private readonly client: Client,
    private readonly options: UserClientOptions,
  ) {}

  /** An event, with the candidates the API matched for it (absent: the workflow matches it with its own rules). */
  sendEvent(event: UserEventSignal): Promise<void> {
    return this.signal(event.userId, userEventSignal, [event]);
  }

  proposeCandidate(candidate: Candidate): Promise<void> {
    return this.signal(candidate.userId, candidateSignal, [candidate]);
  }

  /** Several candidates in one signal (one Temporal action), validated by the API against the version named. */
  proposeCandidates(userId: string, proposal: CandidatesProposal): Promise<void> {
    return this.signal(userId, candidatesSignal, [proposal]);
  }

  updateProfile(userId: string, change: Partial<UserProfile>): Promise<void> {
    return this.signal(userId, profileSignal, [change]);
  }

  /** A partial change without a version (journeys, tests); the API uses setPreferences. */
  updatePreferences(userId: string, change: Partial<Preferences>): Promise<void> {
    return this.signal(userId, preferencesSignal, [change]);
  }

  /** The full stored preferences and their version (see VersionedPreferencesChange). */
  setPreferences(userId: string, preferences: Preferences, version: number): Promise<void> {
    const change: VersionedPreferencesChange = { ...preferences, version };
    return this.signal(userId, preferencesSignal, [change]);
  }

  notificationEvent(userId: string, event: NotificationEvent): Promise<void> {
    return this.signal(userId, notificationEventSignal, [event]);
  }

  appOpened(userId: string, at: EpochMs, sessions?: SessionAggregate): Promise<void> {
    return this.signal(userId, appOpenedSignal, [{ at, ...(sessions === undefined ? {} : { sessions }) }]);
  }

  devicesChanged(userId: string, at: EpochMs): Promise<void> {
    return this.signal(userId, devicesChangedSignal, [{ at }]);
  }

  /**
   * Withdraws the user's pending candidates of one source (they end `cancelled`). A plain signal, not
   * signal-with-start: a user without a running workflow has nothing pending. False when there was no workflow.
   */
  async withdraw(userId: string, withdraw: WithdrawCandidates): Promise<boolean> {
    assertOpaqueUserId(userId);
    try {
      await this.client.workflow.getHandle(userWorkflowId(userId)).signal(withdrawSignal, withdraw);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** The user's current state, or null when the user has no workflow yet. */
  async state(userId: string): Promise<UserStateView | null> {
    assertOpaqueUserId(userId);
    try {
      return await this.client.workflow.getHandle(userWorkflowId(userId)).query(stateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  private async signal<T>(userId: string, signal: SignalDefinition<[T]>, signalArgs: [T]): Promise<void> {
    assertOpaqueUserId(userId);
    const input: UserWorkflowInput = {
      userId,
      ...(this.options.workflowOptions ? { options: this.options.workflowOptions } : {}),
    };
    await this.client.workflow.signalWithStart<typeof userWorkflow, [T]>(USER_WORKFLOW_TYPE, {
      workflowId: userWorkflowId(userId),
      taskQueue: this.options.taskQueue,
      args: [input],
      signal,
      signalArgs,
      staticSummary: 'Tact user: attention budget and notification planner',
    });
  }
}
