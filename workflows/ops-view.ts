// What ops see: the `state` query answer, the search attributes and the Markdown current details.
// Pure functions of the workflow state; no PII (template variables and deep links never leave the workflow here).
import type { SearchAttributeUpdatePair, TypedSearchAttributes } from '@temporalio/common';
import { budgetLeftToday, cooldownUntil, localParts, type PolicyConfig } from '../domain';
import type { EpochMs } from '../domain/types';
import type { PlannedSendView, UserStateView } from './definitions';
import { TactBudgetLeft, TactNextSendAt, TactOptedOut, TactQueueSize } from './search-attributes';
import { planningScores, plannerState, type UserState } from './user-state';

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
): UserStateView {
  const scores = planningScores(state, now, config);
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
        createdAt: c.createdAt,
        expiresAt: c.expiresAt,
        ...(c.notBefore === undefined ? {} : { notBefore: c.notBefore }),
        businessValue: c.businessValue,
        score: scores[c.id] ?? null,
      }))
      .sort((a, b) => (b.score?.expectedValue ?? 0) - (a.score?.expectedValue ?? 0)),
    recentDecisions: [...state.recentDecisions],
    inboxSize,
    stats: { ...state.stats },
  };
}

export interface OpsAttributes {
  nextSendAt: EpochMs | null;
  queueSize: number;
  budgetLeft: number;
  optedOut: boolean;
}

export function opsAttributes(state: UserState, plan: PlanSummary, now: EpochMs, config: PolicyConfig): OpsAttributes {
  return {
    nextSendAt: plan.next?.at ?? null,
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
    ...(next === undefined ? {} : { nextSendAt: next.getTime() }),
    ...(queueSize === undefined ? {} : { queueSize }),
    ...(budgetLeft === undefined ? {} : { budgetLeft }),
    ...(optedOut === undefined ? {} : { optedOut }),
  };
}

/** The updates that bring `published` to `wanted`; empty when nothing changed (an upsert costs an action). */
export function searchAttributeUpdates(
  published: Partial<OpsAttributes>,
  wanted: OpsAttributes,
): SearchAttributeUpdatePair[] {
  const updates: SearchAttributeUpdatePair[] = [];
  if ((published.nextSendAt ?? null) !== wanted.nextSendAt) {
    updates.push({ key: TactNextSendAt, value: wanted.nextSendAt === null ? null : new Date(wanted.nextSendAt) });
  }
  if (published.queueSize !== wanted.queueSize) updates.push({ key: TactQueueSize, value: wanted.queueSize });
  if (published.budgetLeft !== wanted.budgetLeft) updates.push({ key: TactBudgetLeft, value: wanted.budgetLeft });
  if (published.optedOut !== wanted.optedOut) updates.push({ key: TactOptedOut, value: wanted.optedOut });
  return updates;
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
  ].join('\n\n');
}

/** `2025-03-30 07:00 Europe/Paris` */
export function formatLocal(at: EpochMs, timeZone: string): string {
  const p = localParts(at, timeZone);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)} ${timeZone}`;
}
