// App sessions and catalog-declared engagement events, aggregated durably outside the workflow (PostgreSQL) and
// handed to the user workflow with work it already does (docs/catalog.md "Engagement"): the same hour-of-week
// counts as in-workflow engagement, decayed the same way, and the last time the user engaged.
import { DAY_MS } from './time';
import { DEFAULT_HALF_LIFE_DAYS, recordEngagement } from './send-time';
import type { DurationMs, EpochMs, HourOfWeekCounts } from './types';
import { maxOf } from './units';

export interface SessionAggregate {
  /** Engagement by local hour of week, decayed to `updatedAt`. */
  counts: HourOfWeekCounts;
  /** When the counts were last brought up to date (the newest session's time). */
  updatedAt: EpochMs;
  /** The newest session or engagement event. */
  lastAt: EpochMs;
  /** Sessions aggregated so far (for ops; not used by the rules). */
  sessions: number;
}

/** The aggregate with one more session at `at`, counted in the user's time zone. */
export function addSession(aggregate: SessionAggregate | null, at: EpochMs, timeZone: string): SessionAggregate {
  return {
    counts: recordEngagement(aggregate?.counts ?? [], at, timeZone, DEFAULT_HALF_LIFE_DAYS, aggregate?.updatedAt),
    updatedAt: maxOf(aggregate?.updatedAt ?? at, at),
    lastAt: maxOf(aggregate?.lastAt ?? at, at),
    sessions: (aggregate?.sessions ?? 0) + 1,
  };
}

function decayTo(counts: HourOfWeekCounts, from: EpochMs | undefined, to: EpochMs): HourOfWeekCounts {
  if (from === undefined || to <= from) return counts;
  const factor = 0.5 ** ((to - from) / (DEFAULT_HALF_LIFE_DAYS * DAY_MS));
  return counts.map((c) => c * factor);
}

/** The workflow's own counts (notification receipts) plus the session aggregate, both decayed to the later time. */
export function combinedCounts(
  own: { counts: HourOfWeekCounts; updatedAt?: EpochMs },
  sessions: SessionAggregate | undefined,
): HourOfWeekCounts {
  if (sessions === undefined) return own.counts;
  const at = maxOf(own.updatedAt ?? sessions.updatedAt, sessions.updatedAt);
  const a = decayTo(own.counts, own.updatedAt, at);
  const b = decayTo(sessions.counts, sessions.updatedAt, at);
  return a.map((c, i) => c + (b[i] ?? 0));
}

/**
 * Whether a session at `at` changes a plan now: the user was dormant (no engagement for `dormantAfterMs`, counted from
 * `since` when they never engaged), so a waiting candidate may go out now. Other sessions only refine the learned send
 * time, which the workflow picks up with its next activity.
 */
export function sessionEndsDormancy(
  lastEngagedAt: EpochMs | null,
  since: EpochMs,
  at: EpochMs,
  dormantAfterMs: DurationMs,
): boolean {
  return at - Math.max(lastEngagedAt ?? since, since) >= dormantAfterMs;
}
