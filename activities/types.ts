// The activity interface of the user workflow, in one place: the workflow proxies it, activities/index.ts implements it.
import type { PlanMode } from '../domain/planner';
import type { JourneyActivities } from '../journeys/definitions';
import type { RuleSet, RuleSetRef } from '../domain/catalog';
import type { DeepPartial, PolicyConfig } from '../domain/config';
import type { SessionAggregate } from '../domain/engagement';
import type { StoredUserSettings } from '../domain/ports';
import type { SendCheck } from '../domain/send-check';
import type {
  Candidate,
  DurationMs,
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
  /** The workflow run's fatigue window (domain/scoring.ts FATIGUE_WINDOW_MS; absent: 24 h, runs from before it). */
  fatigueWindowMs?: DurationMs;
  /** For the trained model's lifecycle features (absent: treated as first seen now, never engaged). */
  userSince?: EpochMs;
  lastEngagementAt?: EpochMs;
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

/**
 * What the send needs to re-run the budget auction on fresh model scores (docs/product.md §4 steps 2–3) in the same
 * activity call as the delivery: the workflow plans on in-workflow priors and lets the model have the last word.
 */
export interface SendAuction {
  /**
   * The contenders: the best pending non-critical candidates under the workflow's scores (a bounded few, the one to
   * send included), scored by the model in this call. Critical candidates never compete: the workflow sends them
   * first whenever one is due.
   */
  scoring: ScoreCandidatesInput;
  lastEngagementAt?: EpochMs | undefined;
  userSince: EpochMs;
  /** How the workflow plans (absent: a workflow from before the day plan, which plans per candidate). */
  planMode?: PlanMode;
}

export interface SendNotificationInput {
  delivery: DeliverNotificationInput;
  /** Outcomes decided earlier and not yet in the decision log: written in the same call as this send's own. */
  unrecorded: Decision[];
  /** Absent when the workflow's scores are already fresh model scores (or the candidate is critical). */
  auction?: SendAuction | undefined;
  /** Who scored the candidate the workflow planned on ('prior' or 'model:<version>'), for the decision log. */
  scoredBy?: string | undefined;
  /**
   * The workflow's policy overrides (RuntimeOptions.policy), so the send-time check and the auction are judged under
   * the workflow's rules.
   */
  policy?: DeepPartial<PolicyConfig> | undefined;
  /** The version the workflow decided with (absent in histories from before versions existed). */
  configVersion?: RuleSetRef;
}

/**
 * What any activity of the user workflow hands back beside its result (docs/catalog.md "Versions"): the current
 * catalog/policy version when it is newer than the one the workflow named, and the user's stored session aggregate.
 */
export interface Handover {
  config?: RuleSet;
  sessions?: SessionAggregate;
}

export type SendNotificationResult = Handover &
  (
    | {
        kind: 'attempted';
        delivery: DeliveryResult;
        /** The candidate's outcome: `sent` at the delivery time, or suppressed with the delivery's reason. */
        decision: Decision;
        /**
         * Whether `unrecorded` and `decision` reached the decision log. False when the log was unavailable: the
         * delivery stands (it is never retried for the log's sake) and the workflow records them later.
         */
        recorded: boolean;
        /** The model's scores of the auction's candidates (empty without an auction or when the model failed). */
        scores: Score[];
      }
    | {
        /**
         * At the real send time, the user's current stored settings forbid this send (quiet hours, an opt-out made
         * since the plan): nothing was delivered or recorded. The workflow adopts `settings` and re-plans.
         */
        kind: 'declined';
        check: Exclude<SendCheck, { kind: 'send' }>;
        settings: StoredUserSettings;
      }
    | {
        /** On fresh scores the auction no longer sends this candidate now: nothing was delivered or recorded. */
        kind: 'outbid';
        scores: Score[];
        /** What the auction does instead, for the workflow log. */
        why: string;
      }
    | {
        /**
         * A newer version than the workflow's is current: nothing was delivered or recorded. The workflow adopts
         * `config` (and the stored `settings`) and re-plans, so a send is always judged under the current version.
         */
        kind: 'reconsider';
        config: RuleSet;
        settings: StoredUserSettings;
      }
  );

export interface RecordDecisionsInput {
  userId: string;
  decisions: Decision[];
  configVersion?: RuleSetRef;
}

export type RecordDecisionsResult = Handover;

export interface LoadUserSettingsInput {
  userId: string;
  /** Sends decided after this are loaded (the workflow's rules look this far back)… */
  sendsSince: EpochMs;
  /** …and at least this many of the newest, whatever their age (the low-responder window). */
  atLeastSends: number;
  configVersion?: RuleSetRef;
  /**
   * The first load of a fresh run (not a continue-as-new): accepted work that reached another, lost run and has no
   * outcome yet is queued again for this one (docs/ingestion.md "Recovery").
   */
  freshRun?: boolean;
}

/** What a fresh run starts from: the stored settings, and the sends earlier runs made (oldest first, with receipts). */
export interface LoadedUserSettings extends StoredUserSettings, Handover {
  recentSends: SendRecord[];
}

export interface TactActivities extends JourneyActivities {
  /**
   * The user's stored profile and preferences (null for what was never stored) and recent sends. A fresh user
   * workflow run (not a continue-as-new) applies them before its first decision, so caps and cooldown survive a
   * terminated or lost run; a read failure rejects, so the workflow retries.
   */
  loadUserSettings(input: LoadUserSettingsInput): Promise<LoadedUserSettings>;
  /**
   * Re-scores the pending candidates and re-runs the auction when given one, then (unless outbid) delivers and
   * records the outcome with the pending decisions: one activity call, one Temporal action.
   */
  sendNotification(input: SendNotificationInput): Promise<SendNotificationResult>;
  /** Idempotent per (userId, candidateId). */
  recordDecisions(input: RecordDecisionsInput): Promise<RecordDecisionsResult>;
}
