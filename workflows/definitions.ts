// The user workflow's public surface, defined once and shared by the client (api/) and the workflow.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  Candidate,
  CandidateSource,
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
import type { RuleSetRef } from '../domain/catalog';
import type { SessionAggregate } from '../domain/engagement';
import type { AnyCarriedState } from './carried-state';
import type { PreferencesChange, RuntimeOptions } from './user-state';

export const USER_WORKFLOW_TYPE = 'userWorkflow';

/** Workflow id of a user's entity workflow. User ids are opaque (the API rejects PII-shaped ids). */
export function userWorkflowId(userId: string): string {
  return `user:${userId}`;
}

export interface UserWorkflowInput {
  userId: string;
  /** Per-deployment knobs (policy overrides, trigger rules, history caps); carried across continue-as-new. */
  options?: RuntimeOptions;
  /** Set only by continue-as-new; versioned (see carried-state.ts). */
  carried?: AnyCarriedState;
}

/**
 * A user event (POST /v1/events). The API matches it against its catalog version and sends the candidates it produced
 * with that version's identity, and only the event properties some rule reads. Without `candidates` (older clients,
 * older histories) the workflow matches the event itself against the default rules.
 */
export type UserEventSignal = UserEvent & { candidates?: Candidate[]; configVersion?: RuleSetRef };
export const userEventSignal = defineSignal<[UserEventSignal]>('userEvent');
/** A candidate proposed directly (journeys, campaigns, scheduled rules). */
export const candidateSignal = defineSignal<[Candidate]>('candidate');
/** Candidates a service proposed (POST /v1/users/{id}/candidates), validated against the catalog version named. */
export interface CandidatesProposal {
  candidates: Candidate[];
  configVersion?: RuleSetRef;
}
export const candidatesSignal = defineSignal<[CandidatesProposal]>('candidates');
/** Profile change; a time-zone change re-plans at once. */
export const profileSignal = defineSignal<[Partial<UserProfile>]>('profile');
/**
 * Preference change: partial, or the full stored preferences with their version (a signal whose version is not above
 * the last applied is ignored, so out-of-order delivery converges). Opt-outs drop covered pending candidates at once.
 */
export const preferencesSignal = defineSignal<[PreferencesChange]>('preferences');
/** Receipt or engagement for a sent notification; the notification id is the candidate id. */
export const notificationEventSignal = defineSignal<[NotificationEvent]>('notificationEvent');
/**
 * The user opened the app (engagement for send-time optimization and dormancy). The sessions endpoint signals it only
 * when the session ends the user's dormancy; other sessions reach the workflow as an aggregate with its next activity.
 */
export interface AppOpened {
  at: EpochMs;
  /** The stored session aggregate including this session (the sessions endpoint sends it; then `at` is in it). */
  sessions?: SessionAggregate;
}
export const appOpenedSignal = defineSignal<[AppOpened]>('appOpened');
/** The user's devices or endpoints changed, so channel availability may have changed: re-plan. */
export const devicesChangedSignal = defineSignal<[{ at: EpochMs }]>('devicesChanged');

/**
 * Withdraws the user's pending candidates of one source (provenance `source` + `sourceId`: a cancelled campaign, an
 * exited journey run); each ends `suppressed`/`cancelled`. Candidates already decided keep their outcome.
 */
export interface WithdrawCandidates {
  source: CandidateSource;
  sourceId: string;
}
export const withdrawSignal = defineSignal<[WithdrawCandidates]>('withdraw');

/** A pending candidate as ops see it: no template variables or deep link (they may carry PII). */
export interface QueuedCandidateView {
  id: string;
  category: Category;
  template: string;
  source: Candidate['source'];
  sourceId?: string;
  experiment?: string;
  variant?: string;
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
  /** The catalog/policy version the workflow decides with now (its content hash), and since when it is current. */
  configVersion: RuleSetRef;
  /** The stored session aggregate the workflow last received (absent before any). */
  sessions?: { count: number; lastAt: EpochMs; updatedAt: EpochMs };
  /** The local hour of day (0–23) the user engages most over the week, from receipts and sessions; null before any. */
  learnedPeakHour: number | null;
}

export const stateQuery = defineQuery<UserStateView>('state');
