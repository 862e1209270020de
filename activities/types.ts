// The activity interface of the user workflow, in one place: the workflow proxies it, activities/index.ts implements it.
import type {
  Candidate,
  Channel,
  Decision,
  EpochMs,
  HourOfWeekCounts,
  Preferences,
  Score,
  SendRecord,
  UserProfile,
} from '../domain/types';

export interface ScoreCandidatesInput {
  userId: string;
  candidates: Candidate[];
  /** The workflow's decision time: best send times are predicted from here (not from the activity's clock). */
  now: EpochMs;
  timeZone: string;
  hourOfWeek: HourOfWeekCounts;
  recentSends: SendRecord[];
  /** Opens among the user's last 10 sends. */
  opensLast10: number;
}

export interface DeliverNotificationInput {
  userId: string;
  candidate: Candidate;
  /** Channels the rules allow, in order of preference; delivery falls back along this list. */
  channels: Channel[];
  profile: UserProfile;
  preferences: Preferences;
}

/** Localization happens inside delivery, so rendered content (possibly PII) never enters workflow history. */
export type DeliveryResult =
  | { kind: 'delivered'; channel: Channel; endpoints: number; at: EpochMs }
  | { kind: 'failed'; reason: 'no_channel' | 'delivery_failed' | 'template_error'; detail: string };

export interface RecordDecisionsInput {
  userId: string;
  decisions: Decision[];
}

export interface TactActivities {
  /** One score per input candidate, same order. */
  scoreCandidates(input: ScoreCandidatesInput): Promise<Score[]>;
  /** Idempotent per (candidate id, endpoint): a retried attempt never sends twice. */
  deliverNotification(input: DeliverNotificationInput): Promise<DeliveryResult>;
  /** Idempotent per (userId, candidateId). */
  recordDecisions(input: RecordDecisionsInput): Promise<void>;
}
