// Notification preferences: opt-outs, quiet hours, night delivery and privacy mode.
import type { Category, Channel, EpochMs, Preferences } from '../domain/types';
import { minuteOfDay } from '../domain/units';
import { defaultPreferences } from '../domain/user-defaults';
import { UnknownUserError } from './errors';
import { isForeignKeyViolation, toDate, type Queryable } from './sql';
import { nth } from '../domain/present';

/** Fields to change; an absent field keeps its value, `quietHours: null` restores the default window. */
export type PreferencesPatch = { [K in keyof Preferences]?: Preferences[K] | undefined };

/**
 * The preferences a write left in force, with the row's version: every write increments it in the same statement,
 * so of two signals carrying preferences the higher version is the later state (signals may arrive out of order).
 */
export interface StoredPreferences {
  preferences: Preferences;
  version: number;
}

interface PreferencesRow {
  global_opt_out: boolean;
  opted_out_categories: Category[];
  opted_out_channels: Channel[];
  quiet_hours_start: number | null;
  quiet_hours_end: number | null;
  night_delivery: boolean;
  privacy_mode: boolean;
}

interface VersionedRow extends PreferencesRow {
  version: string;
}

const COLUMNS =
  'global_opt_out, opted_out_categories, opted_out_channels, quiet_hours_start, quiet_hours_end, night_delivery, privacy_mode';

export class PreferencesRepository {
  constructor(private readonly db: Queryable) {}

  /** The stored preferences, or the defaults when the user never set any. */
  async get(userId: string): Promise<Preferences> {
    const { rows } = await this.db.query<PreferencesRow>(`SELECT ${COLUMNS} FROM preferences WHERE user_id = $1`, [
      userId,
    ]);
    return rows[0] === undefined ? defaultPreferences() : fromRow(rows[0]);
  }

  /**
   * Applies `patch` atomically (one statement, so concurrent patches of different fields both
   * survive) and returns the preferences now in force. Throws UnknownUserError without a profile.
   */
  async patch(userId: string, patch: PreferencesPatch, now: EpochMs): Promise<StoredPreferences> {
    const initial = { ...defaultPreferences(), ...withoutUndefined(patch) };
    const has = (field: keyof Preferences) => patch[field] !== undefined;
    try {
      const { rows } = await this.db.query<VersionedRow>(
        `INSERT INTO preferences AS p (user_id, ${COLUMNS}, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (user_id) DO UPDATE SET
           global_opt_out = CASE WHEN $10 THEN EXCLUDED.global_opt_out ELSE p.global_opt_out END,
           opted_out_categories = CASE WHEN $11 THEN EXCLUDED.opted_out_categories ELSE p.opted_out_categories END,
           opted_out_channels = CASE WHEN $12 THEN EXCLUDED.opted_out_channels ELSE p.opted_out_channels END,
           quiet_hours_start = CASE WHEN $13 THEN EXCLUDED.quiet_hours_start ELSE p.quiet_hours_start END,
           quiet_hours_end = CASE WHEN $13 THEN EXCLUDED.quiet_hours_end ELSE p.quiet_hours_end END,
           night_delivery = CASE WHEN $14 THEN EXCLUDED.night_delivery ELSE p.night_delivery END,
           privacy_mode = CASE WHEN $15 THEN EXCLUDED.privacy_mode ELSE p.privacy_mode END,
           updated_at = EXCLUDED.updated_at,
           version = p.version + 1
         RETURNING ${COLUMNS}, version`,
        [
          userId,
          initial.globalOptOut,
          unique(initial.optedOutCategories),
          unique(initial.optedOutChannels),
          initial.quietHours?.start ?? null,
          initial.quietHours?.end ?? null,
          initial.nightDelivery,
          initial.privacyMode,
          toDate(now),
          has('globalOptOut'),
          has('optedOutCategories'),
          has('optedOutChannels'),
          // `quietHours: null` is a change (back to the default window).
          has('quietHours'),
          has('nightDelivery'),
          has('privacyMode'),
        ],
      );
      return fromVersionedRow(nth(rows, 0));
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new UnknownUserError(userId);
      throw error;
    }
  }

  /**
   * Adds `category` to the opted-out categories in one statement (no read-modify-write, so a concurrent change of
   * the categories is not lost). Idempotent. Throws UnknownUserError without a profile.
   */
  async optOutOfCategory(userId: string, category: Category, now: EpochMs): Promise<StoredPreferences> {
    const initial = { ...defaultPreferences(), optedOutCategories: [category] };
    try {
      const { rows } = await this.db.query<VersionedRow>(
        `INSERT INTO preferences AS p (user_id, ${COLUMNS}, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (user_id) DO UPDATE SET
           opted_out_categories = CASE WHEN $10 = ANY (p.opted_out_categories) THEN p.opted_out_categories
                                       ELSE array_append(p.opted_out_categories, $10) END,
           updated_at = EXCLUDED.updated_at,
           version = p.version + 1
         RETURNING ${COLUMNS}, version`,
        [
          userId,
          initial.globalOptOut,
          initial.optedOutCategories,
          initial.optedOutChannels,
          null,
          null,
          initial.nightDelivery,
          initial.privacyMode,
          toDate(now),
          category,
        ],
      );
      return fromVersionedRow(nth(rows, 0));
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new UnknownUserError(userId);
      throw error;
    }
  }
}

function fromVersionedRow(row: VersionedRow): StoredPreferences {
  // bigint arrives as a string; versions stay far below 2^53.
  return { preferences: fromRow(row), version: Number(row.version) };
}

function fromRow(row: PreferencesRow): Preferences {
  return {
    globalOptOut: row.global_opt_out,
    optedOutCategories: row.opted_out_categories,
    optedOutChannels: row.opted_out_channels,
    quietHours:
      row.quiet_hours_start === null || row.quiet_hours_end === null
        ? null
        : { start: minuteOfDay(row.quiet_hours_start), end: minuteOfDay(row.quiet_hours_end) },
    nightDelivery: row.night_delivery,
    privacyMode: row.privacy_mode,
  };
}

function withoutUndefined(patch: PreferencesPatch): Partial<Preferences> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
