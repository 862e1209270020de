// Wires the user workflow's activities from injected dependencies.
import { Context } from '@temporalio/activity';
import { DEFAULT_POLICY, type PolicyConfig } from '../domain';
import type { DecisionStore, SendHistorySource, UserSettingsSource } from '../domain/ports';
import type { EpochMs } from '../domain/types';
import { createRecordDecisions } from './decisions';
import { createJourneyActivities, InMemoryJourneyRuns } from './journeys';
import type { JourneyRunStore } from '../domain/journey-runs';
import type { HandoverSources } from './handover';
import { createScoreCandidates } from './scoring';
import { createSendNotification, type Deliver, type ScoreCandidates } from './send';
import type { TactActivities } from './types';
import { createLoadUserSettings, InMemoryUserSettings, NO_SEND_HISTORY, type OnFreshRun } from './user-settings';
import { wallClock, type Clock } from '../clock';
import { epochMs } from '../domain/units';

export type { Deliver, ScoreCandidates };

export interface ActivityDeps {
  decisions: DecisionStore;
  /** Where journey runs record their start and end; in memory by default. */
  journeys?: JourneyRunStore;
  deliver: Deliver;
  /**
   * Stored profiles and preferences, read when a workflow starts and on every send attempt; an empty in-memory store
   * by default (every user starts on the defaults, and sends keep the workflow's snapshot).
   */
  settings?: UserSettingsSource;
  /**
   * What earlier runs of a user's workflow sent, loaded by a fresh run so caps and cooldown survive a lost run: the
   * decision log. None by default (a fresh run then starts with no sends).
   */
  sendHistory?: SendHistorySource;
  policy?: PolicyConfig;
  /** The scoring model (docs/product.md §6); the domain's heuristic prior under `policy` by default. */
  score?: ScoreCandidates;
  /** Dates outcomes the activities decide themselves (a failed delivery); the wall clock by default (clock/). */
  now?: () => EpochMs;
  /**
   * The catalog/policy version this worker decides with (read on every call, so a test can change it) and the stored
   * session aggregates: handed to workflows with the activities' results (activities/handover.ts).
   */
  handover?: HandoverSources;
  /** What a fresh run re-drives (activities/user-settings.ts OnFreshRun); nothing by default. */
  onFreshRun?: OnFreshRun;
}

export function createActivities(deps: ActivityDeps): TactActivities {
  const settings = deps.settings ?? new InMemoryUserSettings();
  return {
    loadUserSettings: createLoadUserSettings(
      settings,
      deps.sendHistory ?? NO_SEND_HISTORY,
      deps.handover,
      deps.onFreshRun,
    ),
    sendNotification: createSendNotification({
      deliver: deps.deliver,
      decisions: deps.decisions,
      settings,
      score: deps.score ?? createScoreCandidates(deps.policy ?? DEFAULT_POLICY),
      now: deps.now ?? wallClock,
      ...(deps.handover === undefined ? {} : { handover: deps.handover }),
    }),
    recordDecisions: createRecordDecisions(deps.decisions, deps.handover),
    ...createJourneyActivities(deps.journeys ?? new InMemoryJourneyRuns()),
  };
}

/**
 * The Temporal server's clock as the running activity sees it (when its attempt was scheduled). For time-skipping
 * test environments, where the server's clock runs ahead of the worker's: there, an activity that dates something
 * with Date.now() would date it in the wrong day. Only valid inside an activity.
 */
export function serverClock(): EpochMs {
  return epochMs(Context.current().info.currentAttemptScheduledTimestampMs);
}

/**
 * DRY RUN: reports every notification as delivered on the first allowed channel without contacting
 * any provider or rendering anything. The worker's default until real delivery is configured.
 */
export function createDryRunDeliver(now: Clock = wallClock): Deliver {
  return async ({ channels }) => {
    const channel = channels[0];
    if (channel === undefined) return { kind: 'failed', reason: 'no_channel', detail: 'no allowed channel' };
    return { kind: 'delivered', channel, endpoints: 1, at: now() };
  };
}

export { InMemoryDecisionStore } from './decisions';
export { InMemoryJourneyRuns } from './journeys';
export { createStoredSendHistory, createStoredUserSettings, InMemoryUserSettings } from './user-settings';
export type * from './types';
