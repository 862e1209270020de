// The ingest queue and its dispatcher on a real database (PostgreSQL when DATABASE_URL is set, else embedded): order per
// user, several dispatchers sharing the queue without handing a row over twice, a dead dispatcher's lease taken over,
// retries with backoff, lag, and the re-drive of undecided candidates.
import { describe, expect, it } from 'vitest';
import { versionedPreferences } from '../../activities/runtime';
import { createRepositories } from '../../db/repositories';
import type { EpochMs, Preferences, UserProfile } from '../../domain/types';
import type { CandidatesProposal, UserEventSignal } from '../../workflows/definitions';
import { createDispatcher } from '../../workers/dispatcher/dispatcher';
import { reconcile } from '../../workers/dispatcher/reconciler';
import type { UserSignals } from '../../workers/dispatcher/signals';
import { useTestDatabase } from '../support/test-database';
import { uniqueId } from '../api/support';
import { addMs, durationMs, seconds, minutes } from '../../domain/units';
import { instant } from '../support/instants';
import { nth, present } from '../../domain/present';

const database = useTestDatabase();
const T0 = instant('2026-11-02T10:00:00Z');

/** Records every signal; `failFor` users fail (Temporal rejecting them) until cleared; `slowMs` delays each. */
class RecordingSignals implements UserSignals {
  readonly received: { userId: string; id: string; runId: string }[] = [];
  readonly failFor = new Set<string>();
  constructor(
    private readonly runId = 'run-1',
    private readonly slowMs = 0,
  ) {}
  private async record(userId: string, id: string): Promise<string> {
    if (this.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    if (this.failFor.has(userId)) throw new Error('Temporal unavailable (scripted)');
    this.received.push({ userId, id, runId: this.runId });
    return this.runId;
  }
  sendEvent(event: UserEventSignal) {
    return this.record(event.userId, event.id);
  }
  proposeCandidates(userId: string, proposal: CandidatesProposal) {
    return this.record(userId, nth(proposal.candidates, 0).id);
  }
  updateProfile(userId: string, _profile: UserProfile) {
    return this.record(userId, 'profile');
  }
  updatePreferences(userId: string, _preferences: Preferences, version: number) {
    return this.record(userId, `preferences@${version}`);
  }
  devicesChanged(userId: string, _at: EpochMs) {
    return this.record(userId, 'devices');
  }
}

function eventRow(userId: string, id: string) {
  return {
    userId,
    eventId: id,
    event: { id, userId, type: 'friend_joined', occurredAt: T0, properties: { secret: 'kept in PostgreSQL only' } },
    signal: {
      id,
      userId,
      type: 'friend_joined',
      occurredAt: T0,
      properties: {},
      candidates: [{ id: `${id}:0`, userId }],
    },
  };
}

function dispatcherFor(signals: UserSignals, now: () => EpochMs, leaseMs = 60_000) {
  const db = database();
  const repos = createRepositories(db.pool);
  return createDispatcher(
    {
      queue: repos.ingest,
      settings: { users: repos.users, preferences: versionedPreferences(db.pool) },
      signals,
      now,
      leaseMs,
      retryInitialMs: 1_000,
      retryMaxMs: 4_000,
      batchUsers: 3,
      batchRows: 4,
    },
    false,
  );
}

describe('the ingest queue and its dispatcher', () => {
  it('delivers each user’s rows in order, users interleaved across small passes, each once', async () => {
    const repos = createRepositories(database().pool);
    const users = Array.from({ length: 5 }, () => uniqueId('order'));
    const rows = users.flatMap((userId) => ['a', 'b', 'c'].map((suffix) => eventRow(userId, `${userId}-${suffix}`)));
    // Interleaved acceptance: a-rows of every user, then b-rows, then c-rows.
    const interleaved = ['a', 'b', 'c'].flatMap((suffix) => rows.filter((row) => row.eventId.endsWith(`-${suffix}`)));
    expect(await repos.ingest.acceptEvents(interleaved, { now: T0 })).toEqual(interleaved.map(() => 'claimed'));
    expect(await repos.ingest.lag(addMs(T0, seconds(5)))).toEqual({ undelivered: 15, oldestAgeMs: 5_000 });

    const signals = new RecordingSignals();
    const delivered = await dispatcherFor(signals, () => addMs(T0, seconds(5))).drain();
    expect(delivered).toBe(15);
    for (const userId of users) {
      expect(signals.received.filter((r) => r.userId === userId).map((r) => r.id)).toEqual(
        ['a', 'b', 'c'].map((suffix) => `${userId}-${suffix}`),
      );
    }
    expect(await repos.ingest.lag(addMs(T0, seconds(6)))).toEqual({ undelivered: 0, oldestAgeMs: 0 });
  });

  it('lets several dispatchers share the queue without handing a row over twice or out of order', async () => {
    const repos = createRepositories(database().pool);
    const users = Array.from({ length: 8 }, () => uniqueId('shared'));
    const rows = users.flatMap((userId) => [1, 2, 3, 4].map((n) => eventRow(userId, `${userId}-${n}`)));
    await repos.ingest.acceptEvents(rows, { now: T0 });
    const signals = new RecordingSignals('run-1', 2);
    const dispatchers = [0, 1, 2].map(() => dispatcherFor(signals, () => addMs(T0, seconds(1))));
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.drain()));
    // A user whose rows were all leased by another dispatcher can leave a drain with rows due: run once more.
    await nth(dispatchers, 0).drain();
    expect(signals.received).toHaveLength(32);
    for (const userId of users) {
      expect(signals.received.filter((r) => r.userId === userId).map((r) => r.id)).toEqual(
        [1, 2, 3, 4].map((n) => `${userId}-${n}`),
      );
    }
  });

  it('retries a failing user with backoff while the user’s later rows wait, others unaffected', async () => {
    const repos = createRepositories(database().pool);
    const [stuck, fine] = [uniqueId('stuck'), uniqueId('fine')];
    await repos.ingest.acceptEvents([eventRow(stuck, 's-1'), eventRow(stuck, 's-2'), eventRow(fine, 'f-1')], {
      now: T0,
    });
    const signals = new RecordingSignals();
    signals.failFor.add(stuck);
    let now = T0;
    const dispatcher = dispatcherFor(signals, () => now);
    await dispatcher.drain();
    expect(signals.received.map((r) => r.id)).toEqual(['f-1']);
    const { rows } = await database().pool.query<{ last_error: string; next_attempt_at: Date }>(
      `SELECT last_error, next_attempt_at FROM ingest_queue WHERE user_id = $1 ORDER BY seq`,
      [stuck],
    );
    expect(nth(rows, 0).last_error).toMatch(/unavailable/);
    expect(nth(rows, 0).next_attempt_at.getTime()).toBe(T0 + 1_000);
    signals.failFor.delete(stuck);
    now = addMs(T0, durationMs(500)); // still backing off
    await dispatcher.drain();
    expect(signals.received.map((r) => r.id)).toEqual(['f-1']);
    now = addMs(T0, seconds(1));
    await dispatcher.drain();
    expect(signals.received.map((r) => r.id)).toEqual(['f-1', 's-1', 's-2']);
    expect(dispatcher.stats.failures).toBe(1);
  });

  it('takes a dead dispatcher’s users over when its lease ends', async () => {
    const repos = createRepositories(database().pool);
    const userId = uniqueId('lease');
    await repos.ingest.acceptEvents([eventRow(userId, 'l-1')], { now: T0 });
    // A dispatcher leased the row and died before signalling it.
    expect(await repos.ingest.lease({ now: T0, leaseMs: 30_000, users: 10, rows: 10 })).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId, itemId: 'l-1', attempts: 1 })]),
    );
    const signals = new RecordingSignals();
    await dispatcherFor(signals, () => addMs(T0, seconds(10))).drain();
    expect(signals.received.filter((r) => r.userId === userId)).toEqual([]);
    await dispatcherFor(signals, () => addMs(T0, durationMs(30_001))).drain();
    expect(signals.received.filter((r) => r.userId === userId).map((r) => r.id)).toEqual(['l-1']);
  });

  it('re-reads profile and preferences when it dispatches them, and keeps no row for them once delivered', async () => {
    const db = database();
    const repos = createRepositories(db.pool);
    const userId = uniqueId('settings');
    await repos.users.upsert({ id: userId, timeZone: 'Europe/Paris', locale: 'fr', attributes: {} }, T0);
    await repos.preferences.patch(userId, { nightDelivery: true }, T0);
    await repos.preferences.patch(userId, { nightDelivery: false }, T0);
    await repos.ingest.enqueue(
      [
        { userId, kind: 'preferences', itemId: 'preferences', payload: { at: T0 } },
        { userId, kind: 'profile', itemId: 'profile', payload: { at: T0 } },
      ],
      T0,
    );
    const signals = new RecordingSignals();
    await dispatcherFor(signals, () => addMs(T0, seconds(1))).drain();
    const stored = await versionedPreferences(db.pool).getVersioned(userId);
    expect(signals.received.map((r) => r.id)).toEqual([`preferences@${present(stored, 'stored').version}`, 'profile']);
    const { rows } = await db.pool.query('SELECT 1 FROM ingest_queue WHERE user_id = $1', [userId]);
    expect(rows).toEqual([]);
  });

  it('re-drives undecided candidates to a re-created workflow: only the undecided ones, in order', async () => {
    const db = database();
    const repos = createRepositories(db.pool);
    const userId = uniqueId('redrive');
    await repos.ingest.acceptEvents([eventRow(userId, 'r-1'), eventRow(userId, 'r-2')], { now: T0 });
    await repos.ingest.enqueue(
      [
        {
          userId,
          kind: 'candidates',
          itemId: 'api-1',
          payload: { candidates: [{ id: 'api-1' }, { id: 'api-2' }], configVersion: { id: 'v', since: 0 } },
        },
      ],
      T0,
    );
    const signals = new RecordingSignals('lost-run');
    await dispatcherFor(signals, () => addMs(T0, seconds(1))).drain();
    await repos.decisions.recordDecisions(userId, [
      {
        candidateId: 'r-1:0',
        category: 'social',
        outcome: { kind: 'sent', channel: 'push', at: addMs(T0, seconds(2)) },
      },
      {
        candidateId: 'api-1',
        category: 'social',
        outcome: { kind: 'sent', channel: 'push', at: addMs(T0, seconds(2)) },
      },
    ]);
    // A fresh run that received them itself re-drives nothing; another run gets what the lost one held.
    expect(await repos.ingest.redrive(userId, 'lost-run')).toBe(0);
    // The reconciler leaves users with a running workflow alone.
    const running = await reconcile({
      queue: repos.ingest,
      isRunning: async () => true,
      now: () => addMs(T0, minutes(2)),
    });
    expect(running).toMatchObject({ redrivenRows: 0 });
    expect(running.checked).toBeGreaterThanOrEqual(1);
    const lost = await reconcile({
      queue: repos.ingest,
      isRunning: async (id) => id !== userId,
      now: () => addMs(T0, minutes(2)),
    });
    expect(lost).toMatchObject({ redrivenUsers: 1, redrivenRows: 2 });
    const { rows } = await db.pool.query<{ item_id: string; payload: { candidates: { id: string }[] } }>(
      'SELECT item_id, payload FROM ingest_queue WHERE user_id = $1 AND delivered_at IS NULL ORDER BY seq',
      [userId],
    );
    expect(rows.map((row) => [row.item_id, row.payload.candidates.map((c) => c.id)])).toEqual([
      ['r-2', ['r-2:0']],
      ['api-1', ['api-2']],
    ]);
    const again = new RecordingSignals('new-run');
    await dispatcherFor(again, () => addMs(T0, seconds(121))).drain();
    expect(again.received.filter((r) => r.userId === userId).map((r) => r.id)).toEqual(['r-2', 'api-2']);
    // Once every candidate has its outcome, the rows go.
    await repos.decisions.recordDecisions(userId, [
      {
        candidateId: 'r-2:0',
        category: 'social',
        outcome: { kind: 'sent', channel: 'push', at: addMs(T0, seconds(200)) },
      },
      {
        candidateId: 'api-2',
        category: 'social',
        outcome: { kind: 'sent', channel: 'push', at: addMs(T0, seconds(200)) },
      },
    ]);
    await repos.ingest.prune();
    expect((await db.pool.query('SELECT 1 FROM ingest_queue WHERE user_id = $1', [userId])).rows).toEqual([]);
  });
});
