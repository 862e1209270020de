// The on-disk store (`--db-filename`): one SQLite file through Node's built-in `node:sqlite`, no native add-on.
// Like Temporal's persistence it keeps, per run, the immutable start, the history (append-only, protobuf-encoded
// events) and the mutable state (pending workflow task, activities, user timers, buffered events, children, memo
// and search attributes, status, which is also what visibility reads). Task queues and timers are not stored
// separately: they are derived from the mutable state when the server starts, as Temporal regenerates its tasks.
// Every change is written in one transaction before the server answers the call that caused it.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ExecutionSnapshot, RunStart } from '../execution';
import type { HistoryEvent } from '../history';
import { decodeMessage, encodeMessage, lookupType } from '../proto';
import type { SearchAttributeType } from '../visibility/search-attributes';
import { fromJson, toJson } from './json';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS namespaces (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  search_attributes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS executions (
  run_id TEXT PRIMARY KEY,
  created_seq INTEGER NOT NULL UNIQUE,
  namespace TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_by_workflow ON executions (namespace, workflow_id, created_seq);
CREATE TABLE IF NOT EXISTS history_events (
  run_id TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  event BLOB NOT NULL,
  PRIMARY KEY (run_id, event_id)
) WITHOUT ROWID;
-- Schedules: rows written by the schedule service (one JSON document per schedule).
CREATE TABLE IF NOT EXISTS schedules (
  namespace TEXT NOT NULL,
  schedule_id TEXT NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (namespace, schedule_id)
);
`;

export interface StoredNamespace {
  name: string;
  id: string;
  searchAttributes: Record<string, SearchAttributeType>;
}

export interface StoredRun {
  start: RunStart;
  state: ExecutionSnapshot;
  events: HistoryEvent[];
}

export interface StoredSchedule {
  namespace: string;
  scheduleId: string;
  state: unknown;
}

/** What one flush writes: each changed run's state and the events appended since the last flush. */
export interface RunWrite {
  start: RunStart;
  state: ExecutionSnapshot;
  newEvents: HistoryEvent[];
  isNew: boolean;
}

const HISTORY_EVENT = lookupType('temporal.api.history.v1.HistoryEvent');

export class SqliteStore {
  private readonly db: DatabaseSync;
  private readonly insertRun: StatementSync;
  private readonly updateRun: StatementSync;
  private readonly insertEvent: StatementSync;
  private readonly upsertNamespace: StatementSync;
  private readonly setMeta: StatementSync;
  private nextSeq: number;

  constructor(readonly filename: string) {
    this.db = new DatabaseSync(filename);
    // WAL with synchronous=FULL: a committed transaction is on disk (fsync) before the call that caused it is
    // answered, so it survives kill -9 and power loss alike.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
    this.db.exec(SCHEMA);
    const version = this.getMeta('schema_version');
    if (version === undefined)
      this.db.prepare('INSERT INTO meta VALUES (?, ?)').run('schema_version', `${SCHEMA_VERSION}`);
    else if (Number(version) !== SCHEMA_VERSION)
      throw new Error(`${filename}: database schema version ${version}, this server reads version ${SCHEMA_VERSION}`);
    this.insertRun = this.db.prepare(
      'INSERT INTO executions (run_id, created_seq, namespace, workflow_id, status, start, state) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.updateRun = this.db.prepare('UPDATE executions SET status = ?, state = ? WHERE run_id = ?');
    this.insertEvent = this.db.prepare('INSERT INTO history_events (run_id, event_id, event) VALUES (?, ?, ?)');
    this.upsertNamespace = this.db.prepare(
      'INSERT INTO namespaces (name, id, search_attributes) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET search_attributes = excluded.search_attributes',
    );
    this.setMeta = this.db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    const row = this.db.prepare('SELECT COALESCE(MAX(created_seq), 0) AS seq FROM executions').get() as { seq: number };
    this.nextSeq = row.seq + 1;
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  loadNamespaces(): StoredNamespace[] {
    const rows = this.db.prepare('SELECT name, id, search_attributes FROM namespaces ORDER BY rowid').all() as {
      name: string;
      id: string;
      search_attributes: string;
    }[];
    return rows.map((r) => ({
      name: r.name,
      id: r.id,
      searchAttributes: JSON.parse(r.search_attributes) as Record<string, SearchAttributeType>,
    }));
  }

  /** Every stored run, oldest first (so each workflow id's runs come back in order). */
  loadRuns(): StoredRun[] {
    const events = new Map<string, HistoryEvent[]>();
    const eventRows = this.db.prepare('SELECT run_id, event FROM history_events ORDER BY run_id, event_id').all() as {
      run_id: string;
      event: Uint8Array;
    }[];
    for (const row of eventRows) {
      let list = events.get(row.run_id);
      if (!list) events.set(row.run_id, (list = []));
      list.push(decodeMessage<HistoryEvent>(HISTORY_EVENT, row.event));
    }
    const rows = this.db.prepare('SELECT run_id, start, state FROM executions ORDER BY created_seq').all() as {
      run_id: string;
      start: string;
      state: string;
    }[];
    return rows.map((r) => ({
      start: fromJson<RunStart>(r.start),
      state: fromJson<ExecutionSnapshot>(r.state),
      events: events.get(r.run_id) ?? [],
    }));
  }

  loadSchedules(): StoredSchedule[] {
    const rows = this.db.prepare('SELECT namespace, schedule_id, state FROM schedules ORDER BY rowid').all() as {
      namespace: string;
      schedule_id: string;
      state: string;
    }[];
    return rows.map((r) => ({ namespace: r.namespace, scheduleId: r.schedule_id, state: fromJson(r.state) }));
  }

  /** Writes everything in one transaction: it is durable when this returns. */
  write(
    runs: RunWrite[],
    namespaces: StoredNamespace[] | undefined,
    meta: Record<string, string>,
    schedules: { put: StoredSchedule[]; deleted: { namespace: string; scheduleId: string }[] } = {
      put: [],
      deleted: [],
    },
  ): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const ns of namespaces ?? []) this.upsertNamespace.run(ns.name, ns.id, JSON.stringify(ns.searchAttributes));
      for (const [key, value] of Object.entries(meta)) this.setMeta.run(key, value);
      for (const run of runs) {
        const state = toJson(run.state);
        if (run.isNew) {
          this.insertRun.run(
            run.start.runId,
            this.nextSeq++,
            run.start.namespace,
            run.start.workflowId,
            run.state.status,
            toJson(run.start),
            state,
          );
        } else {
          this.updateRun.run(run.state.status, state, run.start.runId);
        }
        for (const event of run.newEvents)
          this.insertEvent.run(run.start.runId, event.eventId, encodeMessage(HISTORY_EVENT, event));
      }
      if (schedules.put.length > 0) {
        const put = this.db.prepare(
          'INSERT INTO schedules (namespace, schedule_id, state) VALUES (?, ?, ?) ' +
            'ON CONFLICT (namespace, schedule_id) DO UPDATE SET state = excluded.state',
        );
        for (const s of schedules.put) put.run(s.namespace, s.scheduleId, toJson(s.state));
      }
      if (schedules.deleted.length > 0) {
        const del = this.db.prepare('DELETE FROM schedules WHERE namespace = ? AND schedule_id = ?');
        for (const s of schedules.deleted) del.run(s.namespace, s.scheduleId);
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
