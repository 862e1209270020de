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
  SendRecord,
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
  lastError?: string | undefined;
  deactivatedAt?: EpochMs | undefined;
}

/** A user's settings as stored: null for what was never stored (the user workflow then keeps its defaults). */
export interface StoredUserSettings {
  profile: UserProfile | null;
  /** Never set without a profile (preferences belong to a stored user). */
  preferences: Preferences | null;
  /**
   * The stored preferences' version (incremented by every write; see the preference signal): a signal with a version
   * no higher reports an older state. Absent when nothing versioned is stored.
   */
  preferencesVersion?: number | undefined;
}

/** Where a (re)started user workflow reads the settings the API stored before it ran. */
export interface UserSettingsSource {
  /** Rejects when the store cannot be read: "unknown" must never pass for "nothing stored". */
  load(userId: string): Promise<StoredUserSettings>;
}

/** Where a fresh user workflow run reads what earlier runs sent (a terminated or lost run's sends included). */
export interface SendHistorySource {
  /**
   * The user's sent notifications decided after `since`, and at least the last `atLeast` of them whatever their
   * age, oldest first, with the receipts known for them. Rejects when the store cannot be read.
   */
  recentSends(userId: string, since: EpochMs, atLeast: number): Promise<SendRecord[]>;
}

export interface DecisionStore {
  /** Appends one row per candidate outcome. Idempotent on (userId, candidateId). */
  recordDecisions(userId: string, decisions: Decision[]): Promise<void>;
}

export type LedgerStatus = 'pending' | 'sent' | 'failed_permanent' | 'failed_retryable';

export interface LedgerEntry {
  /** Candidate ids are unique per user only: the user is part of the key. */
  userId: string;
  notificationId: string;
  /** Stable key of the endpoint, e.g. `push:ios:<sha256 of token>`; never the raw token. */
  endpointKey: string;
  channel: Channel;
  status: LedgerStatus;
  /** The provider's id of the message (APNs apns-id, FCM message name, SMS sid, SMTP queue id or Message-ID). */
  providerMessageId?: string;
  /**
   * The stable id every attempt sends with its request (APNs apns-id, SMTP Message-ID, SMS idempotency key and client
   * reference), recorded before the request leaves.
   */
  clientReference?: string;
  /** Claims of this entry that went on to call the provider (1 for the first); absent in stores that do not count. */
  sendAttempts?: number;
  error?: string;
  updatedAt: EpochMs;
}

/**
 * The answer to a claim: `held` when this call may send (`sendAttempts` above 1: an earlier attempt claimed it too and
 * may have reached the provider before it crashed or failed), else the existing entry, settled or in flight elsewhere.
 */
export type LedgerClaim = { held: true; sendAttempts: number } | { held: false; entry: LedgerEntry };

/** What identifies one ledger entry: one user's notification to one endpoint. */
export type LedgerKey = Pick<LedgerEntry, 'userId' | 'notificationId' | 'endpointKey'>;

export interface DeliveryLedger {
  /**
   * Claims (userId, notificationId, endpointKey) before sending, atomically. Held when this call created a fresh
   * `pending` entry, dated `now`; else the existing entry (so a retry can see it already succeeded).
   * With `inFlightSince`, the call also takes over (back to `pending`, dated `now`, one more send attempt) an entry
   * that is `failed_retryable`, or `pending` but last claimed before `inFlightSince` (its attempt presumed dead); a
   * `pending` entry claimed since then is returned as is: another attempt has that send in flight.
   */
  claim(
    entry: Omit<LedgerEntry, 'status' | 'updatedAt' | 'sendAttempts'>,
    now: EpochMs,
    inFlightSince?: EpochMs,
  ): Promise<LedgerClaim>;
  markOutcome(
    key: LedgerKey,
    outcome: Pick<LedgerEntry, 'status' | 'providerMessageId' | 'error'>,
    now: EpochMs,
  ): Promise<void>;
  /** The entries of a notification id: of one user when given, else of every user who had one with that id. */
  list(notificationId: string, userId?: string): Promise<LedgerEntry[]>;
}

export interface EndpointDirectory {
  /** Active endpoints of a user on one channel. */
  activeEndpoints(userId: string, channel: Channel): Promise<Endpoint[]>;
  /** Deactivates a push token at once after a permanent provider error (an uninstall signal). */
  deactivateToken(token: string, reason: string, at: EpochMs): Promise<void>;
  /**
   * Deactivates one of the user's endpoints (an email address after a hard bounce, a phone number after STOP or an
   * invalid-number answer) if it is still theirs; registering it again re-activates it. Idempotent.
   */
  deactivateEndpoint(userId: string, endpoint: Endpoint, reason: string, at: EpochMs): Promise<void>;
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
  subject?: string | undefined;
  html?: string | undefined;
  data?: Record<string, string> | undefined;
  createdAt: EpochMs;
}

export interface OutboxStore {
  /** Idempotent on `id`. */
  record(entry: OutboxEntry): Promise<void>;
  /** Newest first. */
  list(filter: { userId?: string | undefined; limit: number }): Promise<OutboxEntry[]>;
}
