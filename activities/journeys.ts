// The journey workflow's activity: its run's start and end, written to the journeys store (GET /v1/journeys).
import type { JourneyRunRecord, JourneyRunStore } from '../domain/journey-runs';
import type { JourneyActivities } from '../journeys/definitions';

export function createJourneyActivities(store: JourneyRunStore): JourneyActivities {
  return { recordJourneyRun: (record) => store.record(record) };
}

/** Runs kept in memory (tests, and the default when no database is wired). */
export class InMemoryJourneyRuns implements JourneyRunStore {
  readonly records: JourneyRunRecord[] = [];

  async record(record: JourneyRunRecord): Promise<void> {
    if (!this.records.some((r) => r.runId === record.runId && r.kind === record.kind)) this.records.push(record);
  }

  runsOf(journey: string): JourneyRunRecord[] {
    return this.records.filter((r) => r.journey === journey);
  }
}
