// Campaigns (docs/campaigns.md): what a campaign sends, when, and the candidate each member gets. Pure: the campaign
// workflow, its activities and the API's dry run share it.
import type { Segment } from './segment';
import { atLocalTime } from './time';
import type { Candidate, CandidateSource, Category, DurationMs, EpochMs, MinuteOfDay, Probability } from './types';
import { addMs, maxOf } from './units';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** What every member is sent. A later `variants` list (experiments) sits beside it and picks one per user. */
export interface CampaignMessage {
  category: Category;
  template: string;
  variables: Record<string, string | number | boolean | null>;
  deepLink?: string;
  /** How much a send is worth against the user's other candidates (docs/product.md §4). */
  businessValue: Probability;
}

/** What to do with a member the fan-out reaches after their local send time plus the delivery window. */
export const LATE_POLICIES = ['skip', 'next_day', 'send_now'] as const;
export type LatePolicy = (typeof LATE_POLICIES)[number];

export type SendTime =
  /** As soon as each member is handed over. */
  | { kind: 'now' }
  /** The fan-out starts at this instant (the campaign is `scheduled` until then). */
  | { kind: 'at'; at: EpochMs }
  /**
   * The wall time `minuteOfDay` on `date` in each member's own zone: the candidate waits for it (`notBefore`) in the
   * user's workflow, which may defer it further (caps, cooldown, quiet hours) until it expires.
   */
  | { kind: 'local'; date: LocalDate; minuteOfDay: MinuteOfDay; windowMs: DurationMs; late: LatePolicy };

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface CampaignSpec {
  /** The segment's filter, resolved when the campaign was created (a later edit of a saved segment does not move it). */
  segment: Segment;
  /** The saved segment's name, when it came from one. */
  segmentName?: string;
  message: CampaignMessage;
  sendTime: SendTime;
  /** How long each candidate may wait in the user's queue after its send time before it expires. */
  ttlMs: DurationMs;
  /** Users handed over per second at most. */
  ratePerSecond: number;
}

/** A member as the fan-out sees them. */
export interface CampaignMember {
  id: string;
  timeZone: string;
}

export type MemberPlan = { kind: 'candidate'; candidate: Candidate } | { kind: 'late'; sendAt: EpochMs };

/** The candidate id of a campaign's message to any member: fixed, so a re-delivered hand-over is the same candidate. */
export function campaignCandidateId(campaignId: string): string {
  return `campaign.${campaignId}`;
}

/** When the member's send time is, in their zone (local sends), else the campaign-wide instant (or now). */
export function memberSendAt(sendTime: SendTime, timeZone: string, now: EpochMs): EpochMs {
  switch (sendTime.kind) {
    case 'now':
      return now;
    case 'at':
      return sendTime.at;
    case 'local':
      return atLocalTime(sendTime.date, sendTime.minuteOfDay, timeZone);
  }
}

/** The candidate a member is handed at `now`, or `late` when a local send's window has passed and policy skips them. */
export function planMember(
  campaign: { id: string; source: Extract<CandidateSource, 'campaign' | 'schedule'>; spec: CampaignSpec },
  member: CampaignMember,
  now: EpochMs,
): MemberPlan {
  const { spec } = campaign;
  let sendAt = memberSendAt(spec.sendTime, member.timeZone, now);
  if (spec.sendTime.kind === 'local' && now > sendAt + spec.sendTime.windowMs) {
    const { late } = spec.sendTime;
    if (late === 'skip') return { kind: 'late', sendAt };
    if (late === 'next_day') {
      const { date } = spec.sendTime;
      // The same wall time on the member's next local day after this one (DST-correct via the zone).
      let day = 1;
      do sendAt = atLocalTime({ ...date, day: date.day + day++ }, spec.sendTime.minuteOfDay, member.timeZone);
      while (sendAt + spec.sendTime.windowMs < now);
    } else sendAt = now;
  }
  const start = maxOf(sendAt, now);
  const { message } = spec;
  return {
    kind: 'candidate',
    candidate: {
      id: campaignCandidateId(campaign.id),
      userId: member.id,
      category: message.category,
      template: message.template,
      variables: message.variables,
      ...(message.deepLink === undefined ? {} : { deepLink: message.deepLink }),
      createdAt: now,
      expiresAt: addMs(start, spec.ttlMs),
      ...(sendAt > now ? { notBefore: sendAt } : {}),
      businessValue: message.businessValue,
      source: campaign.source,
      sourceId: campaign.id,
    },
  };
}

/** Which lifecycle moves are allowed (docs/campaigns.md): the API answers 409 for any other. */
export const CAMPAIGN_TRANSITIONS: Record<'start' | 'pause' | 'resume' | 'cancel', readonly CampaignStatus[]> = {
  start: ['draft'],
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  cancel: ['draft', 'scheduled', 'running', 'paused'],
};

/** A scheduled rule's recurrence (docs/campaigns.md "Scheduled rules"): weekdays 1 (Monday) to 7 (Sunday). */
export type Recurrence = { kind: 'weekly'; weekday: number } | { kind: 'monthly'; day: number };

/** A recurring campaign: each occurrence is a campaign at `minuteOfDay` in every member's own zone on that date. */
export interface RuleSpec extends Omit<CampaignSpec, 'sendTime'> {
  recurrence: Recurrence;
  minuteOfDay: MinuteOfDay;
  windowMs: DurationMs;
  late: LatePolicy;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * The first date on or after `from` (a calendar date, read in UTC) that the recurrence names. A rule's schedule fires
 * at 12:00 UTC the day before each occurrence, earlier than the occurrence's local time anywhere (UTC+14 reaches
 * Monday 08:00 at Sunday 18:00 UTC), so every zone gets it on the right date whatever its offset or DST state.
 */
export function nextOccurrence(recurrence: Recurrence, from: LocalDate): LocalDate {
  for (let i = 0; i < 62; i++) {
    const at = new Date(Date.UTC(from.year, from.month - 1, from.day) + i * DAY_MS);
    const matches =
      recurrence.kind === 'weekly' ? (at.getUTCDay() || 7) === recurrence.weekday : at.getUTCDate() === recurrence.day;
    if (matches) return { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate() };
  }
  throw new RangeError(`no occurrence of ${JSON.stringify(recurrence)} within two months`);
}

/** The occurrence a firing at `firedAt` runs: the first on or after the next UTC day. */
export function occurrenceFiredAt(recurrence: Recurrence, firedAt: EpochMs): LocalDate {
  const next = new Date(firedAt + DAY_MS);
  return nextOccurrence(recurrence, {
    year: next.getUTCFullYear(),
    month: next.getUTCMonth() + 1,
    day: next.getUTCDate(),
  });
}

/** The campaign of one occurrence. */
export function occurrenceSpec(rule: RuleSpec, date: LocalDate): CampaignSpec {
  const { recurrence: _recurrence, minuteOfDay, windowMs, late, ...campaign } = rule;
  return { ...campaign, sendTime: { kind: 'local', date, minuteOfDay, windowMs, late } };
}

/**
 * Whether `at` is one of the rule's calendar firings: 12:00:00 UTC the day before an occurrence (the calendar of
 * api/campaign-client.ts ruleCalendar; the 28th to 31st before a monthly rule on the 1st). A firing at any other time
 * was triggered by hand (the API's :trigger, the Temporal CLI or UI), which means an action now.
 */
export function isCalendarFiring(recurrence: Recurrence, at: EpochMs): boolean {
  if (at % DAY_MS !== 12 * 60 * 60_000) return false;
  const day = new Date(at);
  if (recurrence.kind === 'weekly') return ((day.getUTCDay() + 1) % 7 || 7) === recurrence.weekday;
  return recurrence.day === 1 ? day.getUTCDate() >= 28 : day.getUTCDate() === recurrence.day - 1;
}

/** The campaign a triggered firing opens (id `<rule>.now-<UTC stamp>`): the rule's message to its segment, now. */
export function triggeredRun(ruleId: string, rule: RuleSpec, at: EpochMs): { id: string; spec: CampaignSpec } {
  const { recurrence: _recurrence, minuteOfDay: _minute, windowMs: _window, late: _late, ...campaign } = rule;
  const stamp = new Date(at).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return { id: `${ruleId}.now-${stamp}`, spec: { ...campaign, sendTime: { kind: 'now' } } };
}

/** `2099-03-09` */
export function formatDate({ year, month, day }: LocalDate): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
