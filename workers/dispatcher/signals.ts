// What the dispatcher hands to user workflows, and the Temporal implementation: every hand-over is a signal-with-start,
// so the first queued item of a user (or the first after Temporal lost the workflow) creates the workflow.
import { wallClock } from '../../clock';
import type { Client, SignalDefinition } from '@temporalio/client';
import type { EpochMs, Preferences, UserProfile } from '../../domain/types';
import {
  candidatesSignal,
  devicesChangedSignal,
  preferencesSignal,
  profileSignal,
  USER_WORKFLOW_TYPE,
  userEventSignal,
  userWorkflowId,
  type CandidatesProposal,
  type UserEventSignal,
  type UserWorkflowInput,
} from '../../workflows/definitions';
import type { RuntimeOptions } from '../../workflows/user-state';
import type { userWorkflow } from '../../workflows/user-workflow';

/**
 * The signals the dispatcher sends. Each resolves with the run id the signal reached when the target knows it (the
 * API's UserWorkflows has the same shape and resolves with nothing: tests drive the dispatcher through it).
 */
export interface UserSignals {
  sendEvent(event: UserEventSignal): Promise<string | void>;
  proposeCandidates(userId: string, proposal: CandidatesProposal): Promise<string | void>;
  updateProfile(userId: string, profile: UserProfile): Promise<string | void>;
  updatePreferences(userId: string, preferences: Preferences, version: number): Promise<string | void>;
  devicesChanged(userId: string, at: EpochMs): Promise<string | void>;
}

export interface TemporalUserSignalsOptions {
  client: Client;
  taskQueue: string;
  /** Knobs for the workflows these signals start (the catalog version, the decision-log delay). */
  workflowOptions?: RuntimeOptions;
  /** Per-signal deadline; default 10 s. */
  timeoutMs?: number;
}

export class TemporalUserSignals implements UserSignals {
  constructor(private readonly options: TemporalUserSignalsOptions) {}

  sendEvent(event: UserEventSignal): Promise<string> {
    return this.signal(event.userId, userEventSignal, event);
  }

  proposeCandidates(userId: string, proposal: CandidatesProposal): Promise<string> {
    return this.signal(userId, candidatesSignal, proposal);
  }

  updateProfile(userId: string, profile: UserProfile): Promise<string> {
    return this.signal(userId, profileSignal, profile);
  }

  updatePreferences(userId: string, preferences: Preferences, version: number): Promise<string> {
    return this.signal(userId, preferencesSignal, { ...preferences, version });
  }

  devicesChanged(userId: string, at: EpochMs): Promise<string> {
    return this.signal(userId, devicesChangedSignal, { at });
  }

  private async signal<T>(userId: string, signal: SignalDefinition<[T]>, arg: T): Promise<string> {
    const input: UserWorkflowInput = {
      userId,
      ...(this.options.workflowOptions ? { options: this.options.workflowOptions } : {}),
    };
    const { client } = this.options;
    const handle = await client.withDeadline(wallClock() + (this.options.timeoutMs ?? 10_000), () =>
      client.workflow.signalWithStart<typeof userWorkflow, [T]>(USER_WORKFLOW_TYPE, {
        workflowId: userWorkflowId(userId),
        taskQueue: this.options.taskQueue,
        args: [input],
        signal,
        signalArgs: [arg],
        staticSummary: 'Tact user: attention budget and notification planner',
      }),
    );
    return handle.signaledRunId;
  }
}
