// App sessions and catalog-declared engagement events (docs/catalog.md "Engagement"): aggregated in PostgreSQL, and
// signalled to the user's workflow only when one changes the plan now (it ends the user's dormancy). Every other
// session reaches the workflow as the stored aggregate, with the result of the next activity it runs anyway.
import { sessionEndsDormancy } from '../domain/engagement';
import type { EpochMs } from '../domain/types';
import type { ApiServices } from './services';
import { WorkflowsUnavailableError } from './workflow-gateway';
import { minOf, NEVER } from '../domain/units';

export interface RecordedSessionsResult {
  sessions: number;
  /** Whether the workflow was signalled (the user was dormant). */
  signalled: boolean;
}

/** Null when the user has no stored profile (sessions need its time zone). */
export async function recordSessions(
  services: ApiServices,
  userId: string,
  times: readonly EpochMs[],
): Promise<RecordedSessionsResult | null> {
  const user = await services.repos.users.get(userId);
  if (user === null) return null;
  const { before, after } = await services.repos.sessions.record(userId, times, user.timeZone);
  const earliest = times.reduce((a, b) => minOf(a, b), NEVER);
  const dormantAfterMs = services.catalog.ruleSet.policy.dormantAfterMs;
  const wasDormant = sessionEndsDormancy(before?.lastAt ?? null, user.createdAt, earliest, dormantAfterMs);
  let signalled = false;
  if (wasDormant) {
    try {
      await services.workflows.appOpened(userId, after.lastAt, after);
      signalled = true;
    } catch (error) {
      // The sessions are stored: the workflow gets the aggregate with its next activity. A 503 now would say nothing
      // was written when it was (the client's retry would count the sessions twice).
      if (!(error instanceof WorkflowsUnavailableError)) throw error;
      services.logger.warn({ err: error }, 'dormancy-ending session not signalled: Temporal unavailable');
    }
  }
  services.metrics.sessions.inc({ signalled: signalled ? 'yes' : 'no' }, times.length);
  return { sessions: after.sessions, signalled };
}
