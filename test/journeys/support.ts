// Helpers for journey tests on the time-skipping server: a run's query, waiting for it, and its end.
import type { Client } from '@temporalio/client';
import { userWorkflowId } from '../../workflows/definitions';
import { saveHistoryFixtures } from '../workflows/support/fixtures';
import type { EpochMs } from '../../domain/types';
import { journeyRunQuery, type JourneyRunView } from '../../journeys/definitions';
import type { Harness } from '../workflows/support/harness';
import { waitFor } from '../support/wait';

export async function runView(client: Client, runId: string): Promise<JourneyRunView> {
  return client.workflow.getHandle(runId).query(journeyRunQuery);
}

/** Polls the run's query (no time passes) until `ready` holds. */
export async function waitForRun(
  h: Harness,
  runId: string,
  ready: (view: JourneyRunView) => boolean,
  what: string,
): Promise<JourneyRunView> {
  let last: JourneyRunView | undefined;
  return waitFor(
    what,
    async () => {
      last = await runView(h.client, runId).catch(() => undefined);
      return last && ready(last) ? last : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, describe: () => JSON.stringify(last) },
  );
}

/** Waits for the run to close and returns its end reason (the workflow's result). */
export async function endOf(h: Harness, runId: string): Promise<string> {
  return (await h.client.workflow.getHandle(runId).result()) as string;
}

/** The run id the user's n-th enrollment in `journey` gets. */
export function runIdOf(userId: string, journey: string, n = 1): string {
  return `user:${userId}/journey/${journey}/${n}`;
}

export function at(h: Harness): Promise<EpochMs> {
  return h.now();
}

/**
 * Saves the user workflow's runs and the journey run's history as replay fixtures (UPDATE_HISTORY_FIXTURES=1), so
 * test/workflows/replay.test.ts replays journey code against recorded histories too.
 */
export async function saveJourneyFixtures(h: Harness, name: string, userId: string, runId: string): Promise<void> {
  const journeyHistory = await h.client.workflow.getHandle(runId).fetchHistory();
  saveHistoryFixtures(`journey-${name}-user`, await h.histories(userId), userWorkflowId(userId));
  saveHistoryFixtures(`journey-${name}-run`, [{ runId, history: journeyHistory }], runId);
}
