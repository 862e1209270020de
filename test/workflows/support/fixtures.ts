// History fixtures for the replay test: tests save the histories they produce when UPDATE_HISTORY_FIXTURES=1.
// Stored as protobufjs JSON of temporal.api.history.v1.History (the SDK's historyFromJSON fails under Vitest's
// module loading with "type must be a Type", so both directions use the proto classes directly).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';

export const HISTORY_FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'histories');

export function updatingFixtures(): boolean {
  return process.env.UPDATE_HISTORY_FIXTURES === '1';
}

/**
 * Saves `name-<run>.json` for every run when UPDATE_HISTORY_FIXTURES=1; a no-op otherwise. Give `workflowId` when the
 * workflow's code reads its own id (a journey run, a user workflow that starts children): the replay then runs under
 * the recorded id instead of the file name.
 */
export function saveHistoryFixtures(
  name: string,
  runs: { runId: string; history: temporal.api.history.v1.IHistory }[],
  workflowId?: string,
): void {
  if (!updatingFixtures()) return;
  mkdirSync(HISTORY_FIXTURES_DIR, { recursive: true });
  runs.forEach(({ history }, i) => {
    const file = path.join(HISTORY_FIXTURES_DIR, `${name}-run${i + 1}.json`);
    const json = temporal.api.history.v1.History.fromObject(history).toJSON();
    writeFileSync(file, JSON.stringify(workflowId === undefined ? json : { workflowId, history: json }) + '\n');
  });
}

export function loadHistoryFixtures(): { workflowId: string; history: temporal.api.history.v1.IHistory }[] {
  return readdirSync(HISTORY_FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const stored = JSON.parse(readFileSync(path.join(HISTORY_FIXTURES_DIR, f), 'utf8')) as
        { workflowId: string; history: Record<string, unknown> } | Record<string, unknown>;
      const withId = typeof stored.workflowId === 'string' ? (stored as { workflowId: string; history: object }) : null;
      return {
        workflowId: withId?.workflowId ?? f.replace(/\.json$/, ''),
        history: temporal.api.history.v1.History.fromObject(withId?.history ?? stored),
      };
    });
}
