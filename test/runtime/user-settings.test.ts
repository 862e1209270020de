// The loadUserSettings activity of the production wiring on the real database, and a user workflow (re)started by
// events alone on that wiring: it decides with what the API stored, not with the defaults.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createRuntimeActivities, versionedPreferences, type RuntimeActivities } from '../../activities/runtime';
import { createStoredUserSettings } from '../../activities/user-settings';
import { TactUserClient } from '../../api/user-client';
import { DecisionRepository } from '../../db/decisions';
import { PreferencesRepository } from '../../db/preferences';
import { UserRepository } from '../../db/users';
import { defaultPreferences, nextLocalTime } from '../../domain';
import { userWorkflowId } from '../../workflows/definitions';
import { useTestDatabase } from '../support/test-database';
import { startTactTestWorker, type TactTestWorker } from '../support/tact-test-env';
import { activityClock } from '../support/test-clock';
import { userEvent } from '../workflows/support/events';
import { waitFor } from '../support/wait';
import { minuteOfDay, epochMs, EPOCH } from '../../domain/units';
import { utc } from '../support/instants';

const NOW = utc(2025, 5, 2, 12, 0, 0);
const TOKYO = 'Asia/Tokyo';

describe('loadUserSettings on PostgreSQL', () => {
  const db = useTestDatabase();
  let runtime: RuntimeActivities;
  let users: UserRepository;
  let preferences: PreferencesRepository;

  beforeAll(async () => {
    runtime = await createRuntimeActivities({
      pool: db().pool,
      env: { TACT_TEMPLATE_REFRESH_MS: '0' },
      log: () => undefined,
      now: activityClock,
    });
    users = new UserRepository(db().pool);
    preferences = new PreferencesRepository(db().pool);
  });

  afterAll(async () => {
    await runtime?.close();
  });

  const load = (userId: string) => runtime.activities.loadUserSettings({ userId, sendsSince: EPOCH, atLeastSends: 10 });

  it('has nothing for a user the API never stored', async () => {
    expect(await load('settings-unknown')).toEqual({ profile: null, preferences: null, recentSends: [] });
  });

  it('returns the stored profile without its attributes, and the default preferences until some are set', async () => {
    await users.upsert(
      { id: 'settings-1', timeZone: TOKYO, locale: 'ja', attributes: { plan: 'pro', email: 'a@example.com' } },
      NOW,
    );
    expect(await load('settings-1')).toEqual({
      profile: { timeZone: TOKYO, locale: 'ja' },
      preferences: defaultPreferences(),
      recentSends: [],
    });

    await preferences.patch(
      'settings-1',
      {
        optedOutCategories: ['marketing', 'social'],
        quietHours: { start: minuteOfDay(21 * 60), end: minuteOfDay(8 * 60) },
        privacyMode: true,
      },
      NOW,
    );
    expect(await load('settings-1')).toEqual({
      profile: { timeZone: TOKYO, locale: 'ja' },
      preferences: {
        ...defaultPreferences(),
        optedOutCategories: ['marketing', 'social'],
        quietHours: { start: minuteOfDay(21 * 60), end: minuteOfDay(8 * 60) },
        privacyMode: true,
      },
      preferencesVersion: 0,
      recentSends: [],
    });

    // Every write increments the version the load reports with the preferences it read.
    const { version } = await preferences.patch('settings-1', { nightDelivery: true }, NOW);
    expect(version).toBe(1);
    expect(await load('settings-1')).toMatchObject({
      preferences: { nightDelivery: true, privacyMode: true },
      preferencesVersion: 1,
    });
  });

  it('has nothing once the user is deleted', async () => {
    await users.upsert({ id: 'settings-2', timeZone: 'Europe/Paris', locale: 'fr', attributes: {} }, NOW);
    await preferences.patch('settings-2', { globalOptOut: true }, NOW);
    await users.delete('settings-2');
    expect(await load('settings-2')).toEqual({ profile: null, preferences: null, recentSends: [] });
  });

  it('fails, rather than answering "nothing stored", when the database cannot be reached', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), connectionTimeoutMillis: 2_000 });
    try {
      const source = createStoredUserSettings({
        users: new UserRepository(pool),
        preferences: versionedPreferences(pool),
      });
      await expect(source.load('settings-1')).rejects.toThrow(/ECONNREFUSED|connect/);
    } finally {
      await pool.end();
    }
  });
});

describe('a user workflow started by events on the production activities', () => {
  const db = useTestDatabase();
  let runtime: RuntimeActivities;
  let tact: TactTestWorker | undefined;
  let env: TestWorkflowEnvironment;
  let client: TactUserClient;
  const taskQueue = 'tact-runtime-settings';

  beforeAll(async () => {
    runtime = await createRuntimeActivities({
      pool: db().pool,
      env: { TACT_TEMPLATE_REFRESH_MS: '0' },
      log: () => undefined,
      now: activityClock,
    });
    tact = await startTactTestWorker(runtime.activities, taskQueue);
    env = tact.env;
    client = new TactUserClient(env.client, { taskQueue });
  });

  afterAll(async () => {
    try {
      await tact?.stop();
    } finally {
      await runtime?.close();
    }
  });

  async function stateOf(
    userId: string,
    ready: (s: NonNullable<Awaited<ReturnType<TactUserClient['state']>>>) => boolean,
  ) {
    let last: Awaited<ReturnType<TactUserClient['state']>> = null;
    return waitFor(
      `the state of ${userId}`,
      async () => {
        last = await client.state(userId);
        return last && ready(last) ? last : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, describe: () => JSON.stringify(last) },
    );
  }

  it('applies the stored opt-out and time zone on a first start and after ops terminated the workflow', async () => {
    const userId = 'settings-restart-1';
    const start = epochMs(await env.currentTimeMs());
    // Stored through the repositories only, as when the API wrote them while no workflow ran (or before a restart).
    await new UserRepository(db().pool).upsert({ id: userId, timeZone: TOKYO, locale: 'ja', attributes: {} }, start);
    await new PreferencesRepository(db().pool).patch(userId, { optedOutCategories: ['social'] }, start);

    const at = nextLocalTime(start, TOKYO, minuteOfDay(12 * 60));
    await env.sleep(at - start);
    await client.sendEvent(userEvent(userId, 'friend_joined', { friendId: 'f1', friendName: 'Ana' }, at, 'evt-r1'));
    const first = await stateOf(userId, (s) => s.recentDecisions.length === 1);
    expect(first.profile).toEqual({ timeZone: TOKYO, locale: 'ja' });
    expect(first.preferences.optedOutCategories).toEqual(['social']);
    expect(first.recentDecisions[0]).toMatchObject({ category: 'social', outcome: { reason: 'opted_out' } });

    // Ops terminate the workflow; the next event starts a fresh one, which has no carried state.
    await env.client.workflow.getHandle(userWorkflowId(userId)).terminate('test: ops terminated the workflow');
    await client.sendEvent(userEvent(userId, 'friend_joined', { friendId: 'f2', friendName: 'Bo' }, at, 'evt-r2'));
    const second = await stateOf(userId, (s) => s.recentDecisions.length === 1 && s.stats.events === 1);
    expect(second.profile).toEqual({ timeZone: TOKYO, locale: 'ja' });
    expect(second.recentDecisions[0]).toMatchObject({ category: 'social', outcome: { reason: 'opted_out' } });

    // Both outcomes reach the decision log in PostgreSQL (written before each workflow went idle).
    const decisions = new DecisionRepository(db().pool);
    const logged = await waitFor(
      'both decisions in the decision log',
      async () => {
        const page = await decisions.list(userId, { limit: 10 });
        return page.decisions.length >= 2 ? page : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(logged.decisions.map((d) => d.outcome)).toMatchObject([
      { kind: 'suppressed', reason: 'opted_out' },
      { kind: 'suppressed', reason: 'opted_out' },
    ]);
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
