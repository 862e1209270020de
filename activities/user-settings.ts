// The loadUserSettings activity and its sources: what a (re)started user workflow applies before its first decision.
import { Context } from '@temporalio/activity';
import type { LogPosition, PositionedDecision } from '../db/decisions';
import type { SendHistorySource, StoredUserSettings, UserSettingsSource } from '../domain/ports';
import { withReceipt } from '../domain/receipts';
import type { EpochMs, NotificationEventType, Preferences, SendRecord, UserProfile } from '../domain/types';
import { defaultPreferences } from '../domain/user-defaults';
import { handover, type HandoverSources } from './handover';
import type { LoadedUserSettings, LoadUserSettingsInput } from './types';

/** A source that knows no sends (tests and tools that never send through the decision log). */
export const NO_SEND_HISTORY: SendHistorySource = { recentSends: async () => [] };

/**
 * Re-drives, for a fresh run, the user's accepted work that reached another run and has no outcome (db/ingest-queue.ts
 * `redrive`); `runId` is the fresh run's.
 */
export type OnFreshRun = (userId: string, runId: string) => Promise<unknown>;

export function createLoadUserSettings(
  source: UserSettingsSource,
  history: SendHistorySource,
  sources: HandoverSources = {},
  onFreshRun?: OnFreshRun,
): (input: LoadUserSettingsInput) => Promise<LoadedUserSettings> {
  return async ({ userId, sendsSince, atLeastSends, configVersion, freshRun }) => {
    const runId = freshRun ? Context.current().info.workflowExecution?.runId : undefined;
    const [settings, recentSends, extra] = await Promise.all([
      source.load(userId),
      history.recentSends(userId, sendsSince, atLeastSends),
      handover(sources, userId, configVersion),
      runId !== undefined && onFreshRun ? onFreshRun(userId, runId) : undefined,
    ]);
    return { ...settings, recentSends, ...extra };
  };
}

/** The decision-log read the stored send history needs (db/decisions.ts DecisionRepository implements it). */
export interface SentDecisionLog {
  listBefore(
    userId: string,
    options: { limit: number; before: LogPosition | null; outcome: 'sent' },
  ): Promise<{ entries: PositionedDecision[]; more: boolean }>;
}

const HISTORY_PAGE = 500;

/** Sends from the decision log, with their receipts, paged newest first until old enough. */
export function createStoredSendHistory(log: SentDecisionLog): SendHistorySource {
  return {
    async recentSends(userId, since, atLeast) {
      const newestFirst: SendRecord[] = [];
      let before: LogPosition | null = null;
      for (;;) {
        const { entries, more } = await log.listBefore(userId, { limit: HISTORY_PAGE, before, outcome: 'sent' });
        for (const { decision } of entries) {
          const { outcome } = decision;
          if (outcome.kind !== 'sent') continue;
          if (outcome.at <= since && newestFirst.length >= atLeast) return newestFirst.reverse();
          let send: SendRecord = {
            candidateId: decision.candidateId,
            category: decision.category,
            channel: outcome.channel,
            at: outcome.at,
          };
          for (const [type, at] of Object.entries(decision.receipts ?? {}) as [NotificationEventType, EpochMs][]) {
            send = withReceipt(send, { type, at });
          }
          newestFirst.push(send);
        }
        const last = entries.at(-1);
        if (!more || last === undefined) return newestFirst.reverse();
        before = last.position;
      }
    },
  };
}

/** The stored preferences with the version of their row, read together; the row's absence is null. */
export interface VersionedPreferencesReader {
  getVersioned(userId: string): Promise<{ preferences: Preferences; version: number } | null>;
}

/** The repository reads the source needs (db/users.ts, and db/preferences.ts through runtime.ts, implement them). */
export interface SettingsRepositories {
  users: { get(id: string): Promise<UserProfile | null> };
  preferences: VersionedPreferencesReader;
}

/** Settings from the database. A user without a stored profile has nothing stored (preferences need a profile). */
export function createStoredUserSettings(repos: SettingsRepositories): UserSettingsSource {
  return {
    async load(userId) {
      const [user, stored] = await Promise.all([repos.users.get(userId), repos.preferences.getVersioned(userId)]);
      if (user === null) return { profile: null, preferences: null };
      // Only the profile fields: a stored user's attributes (segment data, possibly PII) stay out of history.
      const profile = { timeZone: user.timeZone, locale: user.locale };
      // No row: the defaults, and no version (the row's first write is version 0, and its signal must apply).
      if (stored === null) return { profile, preferences: defaultPreferences() };
      return { profile, preferences: stored.preferences, preferencesVersion: stored.version };
    },
  };
}

/** Settings kept in memory, for tests and the in-memory worker; a user nobody stored settings for has none. */
export class InMemoryUserSettings implements UserSettingsSource {
  private readonly stored = new Map<
    string,
    { profile: UserProfile; preferences: Preferences; preferencesVersion?: number | undefined }
  >();

  /**
   * Stores a profile, and preferences (the defaults when absent), as `PUT /v1/users` and `PATCH …/preferences` do;
   * with `preferencesVersion`, as the database reports a write's version.
   */
  store(
    userId: string,
    profile: UserProfile,
    preferences: Preferences = defaultPreferences(),
    preferencesVersion?: number,
  ): void {
    this.stored.set(userId, {
      profile: { ...profile },
      preferences: structuredClone(preferences),
      preferencesVersion,
    });
  }

  delete(userId: string): void {
    this.stored.delete(userId);
  }

  async load(userId: string): Promise<StoredUserSettings> {
    const settings = this.stored.get(userId);
    if (settings === undefined) return { profile: null, preferences: null };
    return structuredClone(settings);
  }
}
