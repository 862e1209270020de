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

export interface SendNotificationInput {
  delivery: DeliverNotificationInput;
  /** Outcomes decided earlier and not yet in the decision log: written in the same call as this send's own. */
  unrecorded: Decision[];
}

export interface SendNotificationResult {
  delivery: DeliveryResult;
  /** The candidate's outcome: `sent` at the delivery time, or suppressed with the delivery's reason. */
  decision: Decision;
  /**
   * Whether `unrecorded` and `decision` reached the decision log. False when the log was unavailable: the
   * delivery stands (it is never retried for the log's sake) and the workflow records them later.
   */
  recorded: boolean;
}

export interface RecordDecisionsInput {
  userId: string;
  decisions: Decision[];
}

export interface TactActivities {
  /** One score per input candidate, same order. */
  scoreCandidates(input: ScoreCandidatesInput): Promise<Score[]>;
  /**
   * Delivery alone, without the decision log. Idempotent per (candidate id, endpoint): a retried attempt never
   * sends twice. The user workflow calls sendNotification instead.
   */
  deliverNotification(input: DeliverNotificationInput): Promise<DeliveryResult>;
  /** Delivers, then records the outcome with the pending decisions, in one activity (one Temporal action). */
  sendNotification(input: SendNotificationInput): Promise<SendNotificationResult>;
  /** Idempotent per (userId, candidateId). */
  recordDecisions(input: RecordDecisionsInput): Promise<void>;
}
