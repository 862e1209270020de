// What ops see: the `state` query answer, the search attributes and the Markdown current details.
// Pure functions of the workflow state; no PII (template variables and deep links never leave the workflow here).
import type { SearchAttributeUpdatePair, TypedSearchAttributes } from '@temporalio/common';
import type { JourneyHostState } from './journey-host';
import { budgetLeftToday, cooldownUntil, localParts, type PolicyConfig } from '../domain';
import type { Decision, DurationMs, EpochMs, SendRecord } from '../domain/types';
import type { PlannedSendView, SentNotificationView, UserJourneysView, UserStateView } from './definitions';
import { TactBudgetLeft, TactNextSendAt, TactOptedOut, TactQueueSize } from './search-attributes';
import { planningScores, plannerState, type UserState } from './user-state';
import { nth } from '../domain/present';
import { epochMsOfDate, EPOCH, minOf, NEVER } from '../domain/units';

/** The outcome of the last plan, kept for the query and the UI. */
export interface PlanSummary {
  next: PlannedSendView | null;
  why: string;
}

export function stateView(
  state: UserState,
  inboxSize: number,
  plan: PlanSummary,
  now: EpochMs,
  config: PolicyConfig,
  fatigueWindowMs?: DurationMs,
): UserStateView {
  const scores = planningScores(state, now, config, fatigueWindowMs);
  const ps = plannerState(state);
  return {
    userId: state.userId,
    profile: state.profile,
    preferences: state.preferences,
    budgetLeftToday: budgetLeftToday(ps, now, config),
    cooldownUntil: cooldownUntil(ps, now, config),
    nextPlannedSend: plan.next,
    planWhy: plan.why,
    queue: state.pending
      .map((c) => ({
        id: c.id,
        category: c.category,
        template: c.template,
        source: c.source,
        ...(c.sourceId === undefined ? {} : { sourceId: c.sourceId }),
        ...(c.experiment === undefined ? {} : { experiment: c.experiment }),
        ...(c.variant === undefined ? {} : { variant: c.variant }),
        createdAt: c.createdAt,
        expiresAt: c.expiresAt,
        ...(c.notBefore === undefined ? {} : { notBefore: c.notBefore }),
        businessValue: c.businessValue,
        score: scores[c.id] ?? null,
      }))
      .sort((a, b) => (b.score?.expectedValue ?? 0) - (a.score?.expectedValue ?? 0)),
    recentDecisions: recentDecisionsView(state),
    recentSends: state.sends.slice(-RECENT_SENDS_VIEW_CAP).map(sentView),
    inboxSize,
    stats: { ...state.stats },
    configVersion: { id: state.ruleSet?.id ?? 'legacy', since: state.ruleSet?.since ?? EPOCH },
    ...(state.sessions === undefined
      ? {}
      : {
          sessions: {
            count: state.sessions.sessions,
            lastAt: state.sessions.lastAt,
            updatedAt: state.sessions.updatedAt,
          },
        }),
    learnedPeakHour: peakHour(ps.engagement ?? []),
    ...(state.journeys === undefined ? {} : { journeys: journeysView(state.journeys) }),
  };
}

/** The local hour of day with the most engagement summed over the week's days, or null when there is none. */
function peakHour(hourOfWeek: readonly number[]): number | null {
  const byHour = Array.from({ length: 24 }, (_, hour) =>
    hourOfWeek.reduce((sum, count, index) => (index % 24 === hour ? sum + count : sum), 0),
  );
  let best: number | null = null;
  byHour.forEach((count, hour) => {
    if (count > 0 && (best === null || count > nth(byHour, best))) best = hour;
  });
  return best;
}

/**
 * The last RECENT_DECISIONS_CAP decisions, and before them every older one not yet in the decision log (a burst
 * of evictions can leave more than the cap unwritten, and the API merges the view's unwritten decisions into the log).
 * Decisions are kept in decision order, so the unwritten ones outside the window are older than all inside it.
 */
export function recentDecisionsView(state: Pick<UserState, 'recentDecisions' | 'unrecorded'>): Decision[] {
  const key = (d: Decision): string => `${d.candidateId}@${d.outcome.at}`;
  const shown = new Set(state.recentDecisions.map(key));
  return [...state.unrecorded.filter((d) => !shown.has(key(d))), ...state.recentDecisions];
}

/** How many sends the `state` query lists. */
export const RECENT_SENDS_VIEW_CAP = 20;

function sentView(send: SendRecord): SentNotificationView {
  const { candidateId, category, channel, at, deliveredAt, openedAt, engagedAt, convertedAt } = send;
  return {
    notificationId: candidateId,
    category,
    channel,
    sentAt: at,
    ...(deliveredAt === undefined ? {} : { deliveredAt }),
    ...(openedAt === undefined ? {} : { openedAt }),
    ...(engagedAt === undefined ? {} : { engagedAt }),
    ...(convertedAt === undefined ? {} : { convertedAt }),
  };
}

export interface OpsAttributes {
  nextSendAt: EpochMs | null;
  queueSize: number;
  budgetLeft: number;
  optedOut: boolean;
}

/**
 * The search attributes' values now. `wakeAt` is when the workflow's running timer fires (null: none): it may be
 * earlier than the planned send (see WakeTimer), and TactNextSendAt is then the earlier time, so that a filter
 * like "due in the next hour" never misses a user (it may list one whose plan has moved later since, until
 * that timer fires and the workflow re-plans).
 */
export function opsAttributes(
  state: UserState,
  plan: PlanSummary,
  now: EpochMs,
  config: PolicyConfig,
  wakeAt: EpochMs | null = null,
): OpsAttributes {
  return {
    nextSendAt: plan.next === null ? null : minOf(plan.next.at, wakeAt ?? NEVER),
    queueSize: state.pending.length,
    budgetLeft: budgetLeftToday(plannerState(state), now, config),
    optedOut: state.preferences.globalOptOut,
  };
}

export function readOpsAttributes(current: TypedSearchAttributes): Partial<OpsAttributes> {
  const next = current.get(TactNextSendAt);
  const queueSize = current.get(TactQueueSize);
  const budgetLeft = current.get(TactBudgetLeft);
  const optedOut = current.get(TactOptedOut);
  return {
    ...(next === undefined ? {} : { nextSendAt: epochMsOfDate(next) }),
    ...(queueSize === undefined ? {} : { queueSize }),
    ...(budgetLeft === undefined ? {} : { budgetLeft }),
    ...(optedOut === undefined ? {} : { optedOut }),
  };
}

/**
 * The upserts that bring `published` to `wanted`, or none. Each upsert is a billed Temporal action, so only what
 * ops filter on triggers one: TactNextSendAt (when it moves by a minute or more) and TactOptedOut are upserted as
 * soon as they change. TactQueueSize
 * and TactBudgetLeft ride along with those upserts and never trigger one themselves: they are exact as of the
 * workflow's last change of next send time or opt-out (a send, a re-plan to another time, a timer firing), and may
 * lag behind by the signals since; TactBudgetLeft does not reset at local midnight until the next such change.
 * The `state` query and the current details are always exact.
 */
export function searchAttributeUpdates(
  published: Partial<OpsAttributes>,
  wanted: OpsAttributes,
): SearchAttributeUpdatePair[] {
  if (!movedMeaningfully(published.nextSendAt ?? null, wanted.nextSendAt) && published.optedOut === wanted.optedOut) {
    return [];
  }
  const updates: SearchAttributeUpdatePair[] = [];
  if ((published.nextSendAt ?? null) !== wanted.nextSendAt) {
    updates.push({ key: TactNextSendAt, value: wanted.nextSendAt === null ? null : new Date(wanted.nextSendAt) });
  }
  if (published.queueSize !== wanted.queueSize) updates.push({ key: TactQueueSize, value: wanted.queueSize });
  if (published.budgetLeft !== wanted.budgetLeft) updates.push({ key: TactBudgetLeft, value: wanted.budgetLeft });
  if (published.optedOut !== wanted.optedOut) updates.push({ key: TactOptedOut, value: wanted.optedOut });
  return updates;
}

/** Ops filter next send times by the minute: a re-plan that moves one by less is not worth an action. */
export const NEXT_SEND_AT_RESOLUTION_MS = 60_000;

function movedMeaningfully(published: EpochMs | null, wanted: EpochMs | null): boolean {
  if (published === null || wanted === null) return published !== wanted;
  return Math.abs(published - wanted) >= NEXT_SEND_AT_RESOLUTION_MS;
}

/** A short Markdown state for the Temporal UI's "current details". */
export function currentDetails(state: UserState, plan: PlanSummary, attrs: OpsAttributes): string {
  const tz = state.profile.timeZone;
  const next = plan.next
    ? `**Next send:** \`${plan.next.candidateId}\` at ${formatLocal(plan.next.at, tz)} (${plan.next.why})`
    : `**Idle:** ${plan.why}`;
  const last = state.recentDecisions.at(-1);
  const lastLine = last
    ? last.outcome.kind === 'sent'
      ? `**Last decision:** \`${last.candidateId}\` sent by ${last.outcome.channel} at ${formatLocal(last.outcome.at, tz)}`
      : `**Last decision:** \`${last.candidateId}\` suppressed (${last.outcome.reason}) at ${formatLocal(last.outcome.at, tz)}`
    : '**Last decision:** none yet';
  return [
    next,
    `**Queue:** ${attrs.queueSize} · **Budget left today:** ${attrs.budgetLeft}${attrs.optedOut ? ' · **Opted out**' : ''}`,
    lastLine,
    `**Catalog version:** \`${state.ruleSet?.id ?? 'legacy'}\``,
  ].join('\n\n');
}

/** `2025-03-30 07:00 Europe/Paris` */
export function formatLocal(at: EpochMs, timeZone: string): string {
  const p = localParts(at, timeZone);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)} ${timeZone}`;
}

function journeysView(h: JourneyHostState): UserJourneysView {
  return {
    active: h.active.map((r) => ({
      runId: r.runId,
      journey: r.journey,
      version: r.version,
      step: r.step,
      enrolledAt: r.enrolledAt,
      ...(r.ending === undefined ? {} : { ending: r.ending }),
    })),
    ended: h.ended,
    refused: h.refused,
  };
}
