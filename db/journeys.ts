// Journey runs (one row per enrollment) and the journeys report: enrolled, active, exits by reason, completed,
// converted, and the sends and suppressions of the runs' candidates from the decision log.
import type { JourneyRunRecord, JourneyRunStore, JourneyStats } from '../domain/journey-runs';
import { toDate, type Queryable } from './sql';

export class JourneyRunRepository implements JourneyRunStore {
  constructor(private readonly db: Queryable) {}

  /** Idempotent per run: the enrollment row is written once; the end is written once (a retry changes nothing). */
  async record(record: JourneyRunRecord): Promise<void> {
    if (record.kind === 'enrolled') {
      await this.db.query(
        `INSERT INTO journey_runs (run_id, journey, version, user_id, source, enrolled_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_id) DO NOTHING`,
        [record.runId, record.journey, record.version, record.userId, record.source, toDate(record.at)],
      );
      return;
    }
    await this.db.query(
      `UPDATE journey_runs SET ended_at = $2, end_reason = $3, converted = $4 WHERE run_id = $1 AND ended_at IS NULL`,
      [record.runId, toDate(record.at), record.reason, record.converted],
    );
  }

  /** Every journey with at least one run, or only `journey`; names in order. */
  async stats(journey?: string): Promise<JourneyStats[]> {
    const runs = await this.db.query<{
      journey: string;
      end_reason: string | null;
      runs: number;
      converted: number;
    }>(
      `SELECT journey, end_reason, count(*)::int AS runs, count(*) FILTER (WHERE converted)::int AS converted
       FROM journey_runs WHERE ($1::text IS NULL OR journey = $1) GROUP BY journey, end_reason`,
      [journey ?? null],
    );
    const outcomes = await this.db.query<{ journey: string; outcome: string; reason: string | null; n: number }>(
      `SELECT journey, outcome, reason, count(*)::int AS n FROM decisions
       WHERE journey IS NOT NULL AND ($1::text IS NULL OR journey = $1) GROUP BY journey, outcome, reason`,
      [journey ?? null],
    );
    const byName = new Map<string, JourneyStats>();
    const of = (name: string): JourneyStats => {
      let stats = byName.get(name);
      if (stats === undefined) {
        stats = {
          journey: name,
          enrolled: 0,
          active: 0,
          completed: 0,
          exited: {},
          converted: 0,
          sends: 0,
          suppressions: {},
        };
        byName.set(name, stats);
      }
      return stats;
    };
    for (const row of runs.rows) {
      const stats = of(row.journey);
      stats.enrolled += row.runs;
      stats.converted += row.converted;
      if (row.end_reason === null) stats.active += row.runs;
      else if (row.end_reason === 'completed') stats.completed += row.runs;
      else stats.exited[row.end_reason] = (stats.exited[row.end_reason] ?? 0) + row.runs;
    }
    for (const row of outcomes.rows) {
      const stats = of(row.journey);
      if (row.outcome === 'sent') stats.sends += row.n;
      else if (row.reason !== null) stats.suppressions[row.reason] = (stats.suppressions[row.reason] ?? 0) + row.n;
    }
    return [...byName.values()].sort((a, b) => (a.journey < b.journey ? -1 : a.journey > b.journey ? 1 : 0));
  }
}
