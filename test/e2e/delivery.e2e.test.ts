// End to end on the offline Temporal server: the HTTP API, the real user workflow and worker with the production
// activities (PostgreSQL, localization, live APNs and FCM providers pointed at local fake servers).
// event → decision → localized push on APNs and FCM in one run → `opened` receipt → state and decision log;
// then a database template override reaches the next push.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { FcmProvider } from '../../activities/delivery/providers/fcm';
import { createRuntimeActivities, type RuntimeActivities } from '../../activities/runtime';
import type { ScoreCandidatesInput } from '../../activities/types';
import { startTestDispatcher } from '../support/dispatcher';
import type { Dispatcher } from '../../workers/dispatcher/dispatcher';
import { TemporalUserSignals } from '../../workers/dispatcher/signals';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { createRepositories, type Repositories } from '../../db/repositories';
import { TemplateOverrideRepository } from '../../db/template-overrides';
import { nextLocalTime } from '../../domain/time';
import { DEFAULT_TRIGGERS } from '../../domain/triggers';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { startFakeApns, type FakeApns } from '../delivery/servers/apns';
import { startFakeFcm, type FakeFcm } from '../delivery/servers/fcm';
import { startTactTestWorker, type TactTestWorker } from '../support/tact-test-env';
import { activityClock } from '../support/test-clock';
import { APNS_TOPIC, apnsEnv, captureLog, iosToken } from '../runtime/support';
import { waitFor } from '../support/wait';
import { minuteOfDay, addMs, hours, epochMs, durationMs } from '../../domain/units';
import { wallClock } from '../../clock';
import { nth, present } from '../../domain/present';

const TASK_QUEUE = 'tact-e2e';
const USER = 'e2e-user-de-1';
const IOS = iosToken(0xe2e);
const ANDROID = 'fcm-e2e-android-token-0001';

/** The default trigger rule for friend_joined makes the candidate id `<event id>:<rule index>`. */
const FRIEND_JOINED_RULE = DEFAULT_TRIGGERS.findIndex((rule) => rule.eventType === 'friend_joined');

interface StateBody {
  nextPlannedSend: { at: string; candidateId: string } | null;
  recentSends: { notificationId: string; channel: string; sentAt: string; openedAt?: string }[];
  queue: { id: string }[];
  recentDecisions: {
    candidateId: string;
    outcome: string;
    channel?: string;
    reason?: string;
    detail?: string;
    at: string;
  }[];
  inboxSize: number;
  stats: Record<string, number>;
}

describe('delivery end to end', () => {
  let db: TestDatabase;
  let repos: Repositories;
  let apns: FakeApns;
  let fcm: FakeFcm;
  let apnsConfig: ReturnType<typeof apnsEnv>;
  let fcmProvider: FcmProvider;
  let runtime: RuntimeActivities;
  let tact: TactTestWorker | undefined;
  let env: TestWorkflowEnvironment;
  let server: Server;
  let dispatcher: Dispatcher | undefined;
  /** Time-skipping server clock minus the real one, refreshed whenever the test reads workflow time. */
  let clockOffset = 0;
  let baseUrl: string;
  let apiKey: string;
  /** What the workflow passed to the (real) scoring activity: how receipts feed scoring. */
  const scoringInputs: ScoreCandidatesInput[] = [];

  beforeAll(async () => {
    [db, apns, fcm] = await Promise.all([openTestDatabase(), startFakeApns(), startFakeFcm()]);
    repos = createRepositories(db.pool);
    apnsConfig = apnsEnv(apns);
    // FCM is reached through the fake server's agent, which firebase-admin only takes in code (no variable).
    fcmProvider = new FcmProvider({
      serviceAccount: { kind: 'file', path: fcm.serviceAccountFile },
      httpAgent: fcm.agent,
    });
    runtime = await createRuntimeActivities({
      pool: db.pool,
      env: apnsConfig.env,
      providers: { fcm: fcmProvider },
      log: captureLog().log,
      now: activityClock,
    });

    tact = await startTactTestWorker(
      {
        ...runtime.activities,
        // Model scoring runs inside the send call (the auction re-check); capture its inputs.
        sendNotification: (input) => {
          if (input.auction) scoringInputs.push(input.auction.scoring);
          return runtime.activities.sendNotification(input);
        },
      },
      TASK_QUEUE,
    );
    env = tact.env;

    dispatcher = startTestDispatcher(db.pool, new TemporalUserSignals({ client: env.client, taskQueue: TASK_QUEUE }));
    const { app } = createApp({
      repos,
      pool: db.pool,
      ingest: { onAccepted: () => dispatcher?.wake() },
      workflows: new TemporalUserWorkflows({
        client: env.client,
        connection: env.connection,
        taskQueue: TASK_QUEUE,
      }),
      logger: createLogger({ level: 'silent' }),
      unsubscribeSecret: runtime.unsubscribe.secret,
      // The API judges client times against its clock: here, the time-skipping server's.
      now: () => addMs(wallClock(), durationMs(clockOffset)),
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    apiKey = (
      await repos.apiKeys.create({ scopes: ['events:write', 'users:write', 'users:read'], name: 'e2e' }, wallClock())
    ).key;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await dispatcher?.stop();
    try {
      await tact?.stop();
    } finally {
      await runtime?.close();
      await fcmProvider?.close();
      await Promise.all([apns?.close(), fcm?.close()]);
      apnsConfig?.cleanup();
      await db?.close();
    }
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await call(method, path, body);
    if (response.status >= 300) {
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body as T;
  }

  /** The skipped-ahead workflow clock, not the wall clock the API would default `occurredAt` to. */
  const workflowNow = async () => {
    const now = await env.currentTimeMs();
    clockOffset = now - Date.now();
    return new Date(now).toISOString();
  };

  const state = () => ok<StateBody>('GET', `/v1/users/${USER}/state`);

  /** Lets workflow time pass (time-skipping) up to each planned send, until `done` holds. */
  async function runUntil(done: (s: StateBody) => boolean, what: string): Promise<StateBody> {
    let last: StateBody | undefined;
    return waitFor(
      what,
      async () => {
        last = await state();
        if (done(last)) return last;
        const planned = last.nextPlannedSend === null ? undefined : Date.parse(last.nextPlannedSend.at);
        const now = await env.currentTimeMs();
        if (planned !== undefined && planned > now && last.inboxSize === 0) await env.sleep(planned - now + 1_000);
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, describe: () => JSON.stringify(last, null, 1) },
    );
  }

  it('event → decision → localized push on APNs and FCM → opened receipt → state and decision log → override', async () => {
    await ok('PUT', `/v1/users/${USER}`, { timeZone: 'Europe/Berlin', locale: 'de' });
    await ok('PUT', `/v1/users/${USER}/devices/${IOS}`, { platform: 'ios' });
    await ok('PUT', `/v1/users/${USER}/devices/${ANDROID}`, { platform: 'android' });
    await ok('POST', '/v1/events', {
      id: 'evt-friend-1',
      userId: USER,
      type: 'friend_joined',
      occurredAt: await workflowNow(),
      properties: { friendId: 'f-77', friendName: 'Anna', mutualCount: 3 },
    });

    const nid = `evt-friend-1:${FRIEND_JOINED_RULE}`;
    const sent = await runUntil((s) => s.recentDecisions.some((d) => d.candidateId === nid), 'the decision');
    expect(sent.recentDecisions.find((d) => d.candidateId === nid)).toMatchObject({ outcome: 'sent', channel: 'push' });

    // Both devices, in German, with the notification id for receipts.
    const toIos = apns.requestsFor(IOS);
    expect(toIos).toHaveLength(1);
    expect(nth(toIos, 0).headers['apns-topic']).toBe(APNS_TOPIC);
    expect(nth(toIos, 0).payload).toMatchObject({
      aps: { alert: { title: 'Anna ist jetzt dabei', body: 'Ihr habt 3 gemeinsame Freunde. Sag Hallo!' } },
      nid,
      category: 'social',
      link: 'app://profile/f-77',
    });
    const toAndroid = fcm.sendsFor(ANDROID);
    expect(toAndroid).toHaveLength(1);
    expect(nth(toAndroid, 0).message).toMatchObject({
      token: ANDROID,
      notification: { title: 'Anna ist jetzt dabei', body: 'Ihr habt 3 gemeinsame Freunde. Sag Hallo!' },
      data: { nid, category: 'social', link: 'app://profile/f-77' },
    });
    const ledger = await repos.ledger.list(nid);
    expect(ledger.map((e) => e.status)).toEqual(['sent', 'sent']);
    expect(ledger.some((e) => e.providerMessageId?.startsWith('dry-run:'))).toBe(false);
    expect(await repos.outbox.list({ userId: USER, limit: 10 })).toEqual([]);

    const decisions = await ok<{ decisions: StateBody['recentDecisions'] }>('GET', `/v1/users/${USER}/decisions`);
    expect(decisions.decisions).toEqual([
      expect.objectContaining({ candidateId: nid, outcome: 'sent', channel: 'push' }),
    ]);

    // The app reports the open with the id it found in the push data.
    const processedBefore = present(sent.stats.messagesProcessed, 'sent.stats.messagesProcessed');
    expect(await call('POST', `/v1/notifications/${nid}/events`, { type: 'opened' })).toEqual({
      status: 202,
      body: { notificationId: nid, userId: USER, type: 'opened', status: 'recorded' },
    });
    const opened = await runUntil(
      (s) => present(s.stats.messagesProcessed, 's.stats.messagesProcessed') > processedBefore && s.inboxSize === 0,
      'the receipt to reach the workflow',
    );
    expect(opened.stats.messagesProcessed).toBe(processedBefore + 1);
    // Visible to ops in the workflow's state and in the decision log.
    expect(opened.recentSends).toEqual([
      expect.objectContaining({ notificationId: nid, channel: 'push', openedAt: expect.any(String) }),
    ]);
    const logged = await ok<{ decisions: Array<{ candidateId: string; receipts?: { opened?: string } }> }>(
      'GET',
      `/v1/users/${USER}/decisions`,
    );
    expect(logged.decisions.find((d) => d.candidateId === nid)?.receipts?.opened).toEqual(expect.any(String));
    expect(await repos.notificationEvents.listByNotification(nid)).toEqual([
      expect.objectContaining({ notificationId: nid, type: 'opened' }),
    ]);
    // A repeated receipt is recorded once.
    expect(await call('POST', `/v1/notifications/${nid}/events`, { type: 'opened' })).toMatchObject({
      status: 202,
      body: { status: 'duplicate' },
    });

    // The open is part of the workflow's state: the next decision is scored knowing it. The next event comes at
    // 09:00 local, past the cooldown and quiet hours, whenever (in real time) the test runs.
    const sentAt = epochMs(
      Date.parse(
        present(
          sent.recentDecisions.find((d) => d.candidateId === nid),
          'the sent.recentDecisions entry where d.candidateId === nid',
        ).at,
      ),
    );
    const nineAm = nextLocalTime(addMs(sentAt, hours(4)), 'Europe/Berlin', minuteOfDay(9 * 60));
    await env.sleep(nineAm - (await env.currentTimeMs()));
    // Meanwhile ops reword the German title in the database.
    await new TemplateOverrideRepository(db.pool).upsert(
      { template: 'friend_joined', locale: 'de', document: { title: '{friend_name} ist neu bei Tact' } },
      wallClock(),
    );
    await runtime.templateOverrides.refresh();
    await ok('POST', '/v1/events', {
      id: 'evt-friend-2',
      userId: USER,
      type: 'friend_joined',
      occurredAt: await workflowNow(),
      properties: { friendId: 'f-78', friendName: 'Jonas', mutualCount: 1 },
    });
    const second = `evt-friend-2:${FRIEND_JOINED_RULE}`;
    await runUntil((s) => s.recentDecisions.some((d) => d.candidateId === second), 'the second decision');
    const scored = scoringInputs.filter((input) => input.candidates.some((c) => c.id === second)).at(-1);
    expect(scored?.opensLast10).toBe(1);
    expect(scored?.recentSends).toEqual([expect.objectContaining({ candidateId: nid, openedAt: expect.any(Number) })]);
    expect(apns.requestsFor(IOS).map((r) => (r.payload.aps as { alert: { title: string } }).alert.title)).toEqual([
      'Anna ist jetzt dabei',
      'Jonas ist neu bei Tact',
    ]);
    expect(fcm.sendsFor(ANDROID).map((r) => (r.message.notification as { title: string }).title)).toEqual([
      'Anna ist jetzt dabei',
      'Jonas ist neu bei Tact',
    ]);
  });
});
