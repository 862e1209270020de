// The user workflow's public surface, defined once and shared by the client (api/) and the workflow.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  Candidate,
  Category,
  Channel,
  Decision,
  EpochMs,
  NotificationEvent,
  Preferences,
  Score,
  UserEvent,
  UserProfile,
} from '../domain/types';
import type { CarriedState, PreferencesChange, RuntimeOptions } from './user-state';

export const USER_WORKFLOW_TYPE = 'userWorkflow';

/** Workflow id of a user's entity workflow. User ids are opaque (the API rejects PII-shaped ids). */
export function userWorkflowId(userId: string): string {
  return `user:${userId}`;
}

export interface UserWorkflowInput {
  userId: string;
  /** Per-deployment knobs (policy overrides, trigger rules, history caps); carried across continue-as-new. */
  options?: RuntimeOptions;
  /** Set only by continue-as-new. */
  carried?: CarriedState;
}

/** A user event (POST /v1/events); turned into candidates by the trigger rules. */
export const userEventSignal = defineSignal<[UserEvent]>('userEvent');
/** A candidate proposed directly (journeys, campaigns, scheduled rules). */
export const candidateSignal = defineSignal<[Candidate]>('candidate');
/** Profile change; a time-zone change re-plans at once. */
export const profileSignal = defineSignal<[Partial<UserProfile>]>('profile');
/**
 * Preference change: partial, or the full stored preferences with their version (a signal whose version is not above
 * the last applied is ignored, so out-of-order delivery converges). Opt-outs drop covered pending candidates at once.
 */
export const preferencesSignal = defineSignal<[PreferencesChange]>('preferences');
/** Receipt or engagement for a sent notification; the notification id is the candidate id. */
export const notificationEventSignal = defineSignal<[NotificationEvent]>('notificationEvent');
/** The user opened the app (engagement for send-time optimization and dormancy). */
export const appOpenedSignal = defineSignal<[{ at: EpochMs }]>('appOpened');
/** The user's devices or endpoints changed, so channel availability may have changed: re-plan. */
export const devicesChangedSignal = defineSignal<[{ at: EpochMs }]>('devicesChanged');

/** A pending candidate as ops see it: no template variables or deep link (they may carry PII). */
export interface QueuedCandidateView {
  id: string;
  category: Category;
  template: string;
  source: Candidate['source'];
  createdAt: EpochMs;
  expiresAt: EpochMs;
  notBefore?: EpochMs;
  businessValue: number;
  score: (Score & { source: 'model' | 'prior' }) | null;
}

export interface PlannedSendView {
  at: EpochMs;
  candidateId: string;
  why: string;
}

/** A notification this user was sent, with the receipts that came back for it (docs/product.md §7). */
export interface SentNotificationView {
  /** The candidate id; the `nid` in the push payload that receipts quote. */
  notificationId: string;
  category: Category;
  channel: Channel;
  sentAt: EpochMs;
  deliveredAt?: EpochMs;
  /** Also set by an `engaged` or `converted` receipt, which imply the open. */
  openedAt?: EpochMs;
  engagedAt?: EpochMs;
  convertedAt?: EpochMs;
}

export interface UserStats {
  /** Inbox messages (signals) processed since the workflow was first started. */
  messagesProcessed: number;
  events: number;
  duplicateEvents: number;
  candidatesAdmitted: number;
  sent: number;
  suppressed: number;
  continuedAsNew: number;
}

export interface UserStateView {
  userId: string;
  profile: UserProfile;
  preferences: Preferences;
  budgetLeftToday: number;
  cooldownUntil: EpochMs | null;
  nextPlannedSend: PlannedSendView | null;
  /** Why the workflow is idle or waiting, from the last plan. */
  planWhy: string;
  queue: QueuedCandidateView[];
  /**
   * Newest last: the last RECENT_DECISIONS_CAP decisions, preceded by any older ones not yet in the decision log
   * (every unwritten decision is here, so the API can merge them into the log).
   */
  recentDecisions: Decision[];
  /**
   * Delivered notifications with their receipts, newest last: at most the last RECENT_SENDS_VIEW_CAP of those the
   * workflow keeps for its rules (7 days, and always the last 10). Failed deliveries are not sends: they appear
   * only in `recentDecisions` (`delivery_failed`, `no_channel`, `template_error`).
   */
  recentSends: SentNotificationView[];
  /** Signals received but not yet processed by the main loop. */
  inboxSize: number;
  stats: UserStats;
}

export const stateQuery = defineQuery<UserStateView>('state');
