// What every user-workflow activity hands back beside its result (docs/catalog.md "Versions" and "Engagement"): the
// current catalog/policy version when the workflow named an older one, and the user's stored session aggregate. The
// workflow adopts both as data in its history: no signal or extra activity per user when either changes.
import { isNewerRuleSet, type RuleSet, type RuleSetRef } from '../domain/catalog';
import type { SessionAggregate } from '../domain/engagement';
import type { Handover } from './types';

export interface HandoverSources {
  /** The version this worker decides with; none in tests that run on a workflow's own policy. */
  currentConfig?: () => RuleSet | undefined;
  /** The user's stored session aggregate (db/engagement.ts); none where sessions are not stored. */
  sessions?: { load(userId: string): Promise<SessionAggregate | null> };
}

/** The current version, when the workflow's is older (a workflow that named none is never handed one). */
export function newerConfig(sources: HandoverSources, known: RuleSetRef | undefined): RuleSet | undefined {
  const current = sources.currentConfig?.();
  if (current === undefined || known === undefined) return undefined;
  return isNewerRuleSet(current, known) ? current : undefined;
}

export async function handover(
  sources: HandoverSources,
  userId: string,
  known: RuleSetRef | undefined,
): Promise<Handover> {
  const config = newerConfig(sources, known);
  const sessions = (await sources.sessions?.load(userId)) ?? undefined;
  return { ...(config === undefined ? {} : { config }), ...(sessions === undefined ? {} : { sessions }) };
}
