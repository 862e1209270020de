// The open model's features (PRODUCT.md §6): what is known about a candidate and its user at the moment it would be
// sent, from the same state the workflow keeps (recent sends with their receipts, engagement by hour of week, first
// seen, last engagement). Training (the notification log), scoring (the send activity) and the simulator all build
// features here, so the model sees the same thing everywhere.
import { CHANNELS } from '../../domain/types';
import type { Candidate, Channel, EpochMs, HourOfWeekCounts, SendRecord } from '../../domain/types';
import { smoothedPropensity, HOURS_PER_WEEK } from '../../domain/send-time';
import { hourOfWeek } from '../../domain/time';
import { nth } from '../../domain/present';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface FeatureInput {
  candidate: Pick<Candidate, 'category' | 'template' | 'businessValue' | 'createdAt'>;
  channel: Channel;
  /** When it would be sent. */
  at: EpochMs;
  timeZone: string;
  /** The user's sends before `at` (receipts before `at` only: a later open is not known yet). */
  recentSends: readonly SendRecord[];
  engagement: HourOfWeekCounts;
  userSince: EpochMs;
  lastEngagementAt?: EpochMs;
}

/** The templates a model knows, each with a feature of its own (others share none); kept with the model. */
export interface FeatureSpace {
  templates: readonly string[];
  /** The catalog's categories (each with a feature of its own). */
  categories: readonly string[];
}

/** At most this many templates get a feature: the most frequent in the training log. */
export const MAX_TEMPLATES = 48;

/** The space for a log: its most frequent templates (ties by name, so the same log gives the same space). */
export function featureSpace(templates: Iterable<string>, categories: Iterable<string>): FeatureSpace {
  const counts = new Map<string, number>();
  for (const t of templates) counts.set(t, (counts.get(t) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_TEMPLATES);
  return { templates: ranked.map(([t]) => t).sort(), categories: [...new Set(categories)].sort() };
}

export function featureNames(space: FeatureSpace): string[] {
  return [
    ...space.categories.map((c) => `category=${c}`),
    ...space.templates.map((t) => `template=${t}`),
    ...CHANNELS.map((c) => `channel=${c}`),
    ...NUMERIC_FEATURES,
  ];
}

const NUMERIC_FEATURES = [
  'open_rate_last10',
  'open_rate_category',
  'sends_seen_last10',
  'log_hours_since_notification',
  'log_hours_since_open',
  'log_lift_hour_of_week',
  'sends_last_24h',
  'stage=new',
  'stage=active',
  'stage=lapsing',
  'log_candidate_age_hours',
  'business_value',
] as const;

/** Opens observed by `at` (the receipt may come later in reality; the model must not peek). */
function openedBy(send: SendRecord, at: EpochMs): boolean {
  return send.openedAt !== undefined && send.openedAt <= at;
}

export function features(input: FeatureInput, space: FeatureSpace): number[] {
  const { candidate, at } = input;
  const x: number[] = [];
  for (const c of space.categories) x.push(candidate.category === c ? 1 : 0);
  for (const t of space.templates) x.push(candidate.template === t ? 1 : 0);
  for (const c of CHANNELS) x.push(input.channel === c ? 1 : 0);

  const past = input.recentSends.filter((s) => s.at < at);
  const last10 = past.slice(-10);
  const opened10 = last10.filter((s) => openedBy(s, at)).length;
  // Shrunk toward typical rates, so a user with one send is not "100 %".
  x.push((opened10 + 0.5) / (last10.length + 4));
  const sameCategory = past.filter((s) => s.category === candidate.category).slice(-10);
  x.push((sameCategory.filter((s) => openedBy(s, at)).length + 0.5) / (sameCategory.length + 4));
  x.push(last10.length / 10);

  const lastSend = past.length > 0 ? nth(past, past.length - 1).at : input.userSince - 30 * DAY;
  x.push(Math.log1p(Math.max(0, at - lastSend) / HOUR));
  let lastOpen = input.lastEngagementAt ?? input.userSince - 30 * DAY;
  for (const s of past) if (s.openedAt !== undefined && openedBy(s, at) && s.openedAt > lastOpen) lastOpen = s.openedAt;
  x.push(Math.log1p(Math.max(0, at - Math.min(lastOpen, at)) / HOUR));

  const propensity = smoothedPropensity(input.engagement);
  x.push(Math.log(Math.max(1e-3, nth(propensity, hourOfWeek(at, input.timeZone)) * HOURS_PER_WEEK)));
  x.push(past.filter((s) => s.at > at - DAY).length);

  const age = at - input.userSince;
  const sinceEngaged = at - (input.lastEngagementAt ?? input.userSince);
  const stage = age < 7 * DAY ? 'new' : sinceEngaged > 14 * DAY ? 'lapsing' : 'active';
  x.push(stage === 'new' ? 1 : 0, stage === 'active' ? 1 : 0, stage === 'lapsing' ? 1 : 0);
  x.push(Math.log1p(Math.max(0, at - candidate.createdAt) / HOUR));
  x.push(candidate.businessValue);
  return x;
}
