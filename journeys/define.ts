// The journey API designers write against (docs/product.md §12): a journey is a name, a version, enrollment and exit
// rules and a body that uses the helpers on its context. Deterministic: import it from workflow code only.
import type { Duration } from '@temporalio/common';
import type { VariantWeight } from '../domain/experiments';
import type { TriggerConditions } from '../domain/triggers';
import type { Category, EpochMs, Outcome, SuppressionReason, UserEvent, UserProfile } from '../domain/types';
import type { LifecycleStage } from './lifecycle';

/** A condition on a received event's properties: every named property must equal the value. */
export type EventMatch = Record<string, string | number | boolean | null>;

export interface EnrollRule {
  /** The event type that enrolls the user. */
  eventType: string;
  /** Conditions on the event's properties and the user's stored attributes (the catalog's trigger language). */
  conditions?: TriggerConditions;
}

export interface JourneyDefinition {
  /** lower_snake_case; in workflow ids, the search attribute and the API paths. */
  name: string;
  /** Bumped when the body changes shape (see "Changing a live journey" in journeys/README.md). */
  version: number;
  description: string;
  /** How users enter: on events (a catalog entry may replace these rules), and by API or campaign (always allowed). */
  enroll: { on: EnrollRule[] };
  /** Any of these events ends a run at once and withdraws its pending candidates. */
  exit: { events: string[] };
  /** A user may enter again only this long after their last enrollment. */
  reentryAfter: Duration;
  /** Every event type the body waits for or names as a goal: the user workflow forwards only these (and exits). */
  events: string[];
  run(journey: Journey): Promise<void>;
}

/** What `propose` takes: the user, times, provenance and id are the journey's to fill. */
export interface ProposedCandidate {
  category: Category;
  template: string;
  variables?: Record<string, string | number | boolean | null>;
  deepLink?: string;
  /** 0..1 */
  businessValue: number;
  /** How long it may wait for a slot in the user's budget (default: the category's TTL, at most this). */
  ttl: Duration;
  /** Not before this delay from now. */
  notBefore?: Duration;
  dedupeKey?: string;
  experiment?: string;
  variant?: string;
}

export type ProposalOutcome =
  | { kind: 'sent'; channel: Extract<Outcome, { kind: 'sent' }>['channel']; at: EpochMs }
  | { kind: 'suppressed'; reason: SuppressionReason; at: EpochMs; detail?: string };

export interface ProposalHandle {
  candidateId: string;
  /** Resolves once the user workflow decided: sent, or suppressed with its reason (daily_cap, opted_out, withdrawn…). */
  outcome(): Promise<ProposalOutcome>;
}

export interface JourneyUserView {
  userId: string;
  profile: UserProfile;
  /** active (engaged within 7 days), at_risk (7–30 days), churned (longer, or never engaged after 30 days). */
  stage: LifecycleStage;
  lastEngagementAt: EpochMs | null;
  /** The enrollment's data: the enrolling event's properties, or what the API caller or campaign gave. */
  data: Record<string, unknown>;
}

export interface SleepUntilLocalOptions {
  /** Only on these local weekdays (0 = Monday … 6 = Sunday); default every day. */
  weekdays?: number[];
  /**
   * How late after the local time the run may still wake (e.g. after a zone change moved the target into the past):
   * a wake-up later than this waits for the next matching day. Default 1 h.
   */
  window?: Duration;
}

/** The helpers a journey's body uses. Every one is deterministic and durable (Temporal timers and signals). */
export interface Journey {
  /** Names the current step: shown in the run's details, the user's state, and on the step's candidates' decisions. */
  step(name: string): void;
  /** The first event of `type` (matching `match`) received since enrollment and not yet taken, or null after `within`. */
  waitForEvent(type: string, options: { within: Duration; match?: EventMatch }): Promise<UserEvent | null>;
  sleep(duration: Duration): Promise<void>;
  /** Until the next `HH:MM` in the user's current time zone (DST-safe; re-planned when the zone changes). */
  sleepUntilLocal(time: string, options?: SleepUntilLocalOptions): Promise<void>;
  /** Joins the user's queue: it competes in the user's budget auction like any other candidate. */
  propose(candidate: ProposedCandidate): Promise<ProposalHandle>;
  user(): JourneyUserView;
  /** The run converts when an event of this type (matching `match`) arrives, before or after this call. */
  goal(eventType: string, match?: EventMatch): void;
  /** Whether the run has converted. */
  converted(): boolean;
  /**
   * The user's variant of an experiment: the measurement work's deterministic assignment (domain/experiments.ts, the
   * same in SQL reports), from the experiment id and the user id. Variants are names (equal shares) or weights.
   * Pass the result as the proposal's `experiment`/`variant` so the decision log and reports see it.
   */
  variant(experiment: string, variants: readonly (string | VariantWeight)[]): string;
  /** The workflow clock. */
  now(): EpochMs;
}

export function defineJourney(definition: JourneyDefinition): JourneyDefinition {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(definition.name)) {
    throw new Error(`journey name must be lower_snake_case, got "${definition.name}"`);
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new Error(`journey ${definition.name}: version must be an integer ≥ 1`);
  }
  return definition;
}
