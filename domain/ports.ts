// Storage ports: what activities need from persistence, as interfaces.
// `db/` implements them on PostgreSQL (real server or embedded PGlite); tests may use in-memory versions.
import type {
  Candidate,
  Channel,
  Decision,
  EpochMs,
  NotificationEvent,
  Outcome,
  Preferences,
  UserProfile,
} from './types';

export type Platform = 'ios' | 'android' | 'web';

/** A place a notification can be delivered to. Push tokens are secrets: never log them whole. */
export type Endpoint =
  | { channel: 'push'; platform: Platform; token: string }
  | { channel: 'email'; address: string }
  | { channel: 'sms'; phone: string };

export interface DeviceRecord {
  userId: string;
  platform: Platform;
  token: string;
  active: boolean;
  lastError?: string;
  deactivatedAt?: EpochMs;
}

/** A user's settings as stored: null for what was never stored (the user workflow then keeps its defaults). */
export interface StoredUserSettings {
  profile: UserProfile | null;
  /** Never set without a profile (preferences belong to a stored user). */
  preferences: Preferences | null;
}

/** Where a (re)started user workflow reads the settings the API stored before it ran. */
export interface UserSettingsSource {
  /** Rejects when the store cannot be read: "unknown" must never pass for "nothing stored". */
  load(userId: string): Promise<StoredUserSettings>;
}

export interface DecisionStore {
  /** Appends one row per candidate outcome. Idempotent on (userId, candidateId). */
  recordDecisions(userId: string, decisions: Decision[]): Promise<void>;
}

export type LedgerStatus = 'pending' | 'sent' | 'failed_permanent' | 'failed_retryable';

export interface LedgerEntry {
  notificationId: string;
  /** Stable key of the endpoint, e.g. `push:ios:<sha256 of token>`; never the raw token. */
  endpointKey: string;
  channel: Channel;
  status: LedgerStatus;
  providerMessageId?: string;
  error?: string;
  updatedAt: EpochMs;
}

export interface DeliveryLedger {
  /**
   * Claims (notificationId, endpointKey) before sending. Returns the existing entry when one exists
   * (so a retry can see it already succeeded), or null when this call created a fresh `pending` entry.
   */
  claim(entry: Omit<LedgerEntry, 'status' | 'updatedAt'>, now: EpochMs): Promise<LedgerEntry | null>;
  markOutcome(
    notificationId: string,
    endpointKey: string,
    outcome: Pick<LedgerEntry, 'status' | 'providerMessageId' | 'error'>,
    now: EpochMs,
  ): Promise<void>;
  list(notificationId: string): Promise<LedgerEntry[]>;
}

export interface EndpointDirectory {
  /** Active endpoints of a user on one channel. */
  activeEndpoints(userId: string, channel: Channel): Promise<Endpoint[]>;
  /** Deactivates a push token at once after a permanent provider error (an uninstall signal). */
  deactivateToken(token: string, reason: string, at: EpochMs): Promise<void>;
}

export interface NotificationEventStore {
  recordNotificationEvent(userId: string, event: NotificationEvent): Promise<void>;
}

/** What a delivered or suppressed notification looked like, for the outbox and the decision log. */
export interface DeliveryReport {
  candidate: Pick<Candidate, 'id' | 'category'>;
  outcome: Outcome;
}

/**
 * One message the dry-run outbox recorded instead of sending (no provider credentials for that channel).
 * Always labelled `dryRun: true`; the destination is redacted (never a raw token, full address or number).
 */
export interface OutboxEntry {
  id: string;
  dryRun: true;
  notificationId: string;
  userId: string;
  channel: Channel;
  /** Same key as the delivery ledger's `endpointKey`. */
  endpointKey: string;
  /** Human-readable, redacted destination, e.g. `ios:3f9a…`, `j***@example.com`, `+33******78`. */
  destination: string;
  title: string;
  body: string;
  subject?: string;
  html?: string;
  data?: Record<string, string>;
  createdAt: EpochMs;
}

export interface OutboxStore {
  /** Idempotent on `id`. */
  record(entry: OutboxEntry): Promise<void>;
  /** Newest first. */
  list(filter: { userId?: string; limit: number }): Promise<OutboxEntry[]>;
}
