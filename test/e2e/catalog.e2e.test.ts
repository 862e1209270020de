// End to end with a deployment's own catalog, on the time-skipping server: the HTTP API, the real user workflow and
// worker with the production activities (PostgreSQL, dry-run outbox delivery).
// - a new category (`promo_flash`, promotional, weekly cap 1) and a conditional trigger (`cart_updated` where
//   `cartValue >= 50`) from event to dry-run delivery, with provenance in the decision log, filterable;
// - the candidates endpoint, bad input included;
// - a cap change reaching a workflow that is already sleeping, with the version visible in `state`;
// - the sessions endpoint clearing dormancy with one signal and moving the learned send hour with none.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createRuntimeActivities, type RuntimeActivities } from '../../activities/runtime';
import { startTestDispatcher } from '../support/dispatcher';
import type { Dispatcher } from '../../workers/dispatcher/dispatcher';
import { TemporalUserSignals } from '../../workers/dispatcher/signals';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { TemporalUserWorkflows } from '../../api/workflow-gateway';
import { loadCatalog, ruleSetOf, versionedConfig, type VersionedConfig } from '../../catalog/load';
import { activateConfigVersion } from '../../db/config-versions';
import { createRepositories, type Repositories } from '../../db/repositories';
import type { RuleSet } from '../../domain/catalog';
import { userWorkflowId } from '../../workflows/definitions';
import { SpyWorkflows } from '../api/support';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { startTactTestWorker, type TactTestWorker } from '../support/tact-test-env';
import { activityClock } from '../support/test-clock';
import { waitFor } from '../support/wait';
import { hours, days, addMs, durationMs, epochMs } from '../../domain/units';
import { wallClock } from '../../clock';
import type { EpochMs } from '../../domain/types';
import { present } from '../../domain/present';

const TASK_QUEUE = 'tact-e2e-catalog';
const HOUR = hours(1);
const DAY = days(1);

const CATALOG = {
  description: 'A shop: flash promotions on big carts.',
  // Budgets and versions are under test here, not the holdout (test/measurement covers it): nobody is held out.
  holdout: { percent: 0 },
  categories: {
    security: { class: 'critical', channels: ['push'], weeklyCap: null, ttl: '15m', sensitive: true },
    social: { class: 'normal', channels: ['push'], weeklyCap: 7, ttl: '2d' },
    promo_flash: { class: 'promotional', channels: ['push'], weeklyCap: 1, ttl: '6h' },
  },
  triggers: [
    {
      id: 'big_cart',
      eventType: 'cart_updated',
      conditions: { event: { cartValue: { gte: 50 } } },
      category: 'promo_flash',
      template: 'cart_abandoned',
      businessValue: 0.9,
      dedupeKeyFrom: 'cartId',
      variables: { item_count: 'itemCount' },
      deepLink: 'app://cart',
    },
  ],
  engagementEvents: ['app_opened'],
};

interface StateBody {
  nextPlannedSend: { at: string; candidateId: string } | null;
  queue: { id: string }[];
  recentDecisions: { candidateId: string; outcome: string; reason?: string; configVersion?: string }[];
  inboxSize: number;
  configVersion: { id: string; since: EpochMs };
  sessions?: { count: number };
  learnedPeakHour: number | null;
}

describe('a deployment catalog end to end', () => {
  let db: TestDatabase;
  let repos: Repositories;
  let runtime: RuntimeActivities;
  let tact: TactTestWorker | undefined;
  let env: TestWorkflowEnvironment;
  let server: Server;
  let spy: SpyWorkflows;
  let dispatcher: Dispatcher | undefined;
  let clockOffset = 0;
  let baseUrl: string;
  let key: string;
  let v1: VersionedConfig;
  /** The version the worker runs with: the test replaces it to deploy a new one. */
  let current: RuleSet;

  beforeAll(async () => {
    db = await openTestDatabase();
    repos = createRepositories(db.pool);
    const dir = mkdtempSync(path.join(tmpdir(), 'tact-e2e-catalog-'));
    writeFileSync(path.join(dir, 'catalog.json'), JSON.stringify(CATALOG));
    const loaded = loadCatalog(dir);
    v1 = versionedConfig(loaded.catalog);
    const activation = await activateConfigVersion(db.pool, { id: v1.id, content: v1 }, wallClock());
    current = ruleSetOf(v1, activation.activatedAt);
    runtime = await createRuntimeActivities({
      pool: db.pool,
      env: {},
      log: () => undefined,
      // Activities date sends by the skipped clock the workflow plans on, not the real one.
      now: activityClock,
      policy: v1.policy,
      templatesDir: loaded.templatesDir,
      currentConfig: () => current,
    });
    tact = await startTactTestWorker(runtime.activities, TASK_QUEUE);
    env = tact.env;
    spy = new SpyWorkflows(
      new TemporalUserWorkflows({
        client: env.client,
        connection: env.connection,
        taskQueue: TASK_QUEUE,
        timeoutMs: 10_000,
        workflowOptions: { config: current },
      }),
    );
    dispatcher = startTestDispatcher(
      db.pool,
      spy.dispatcherSignals(
        new TemporalUserSignals({ client: env.client, taskQueue: TASK_QUEUE, workflowOptions: { config: current } }),
      ),
    );
    const { app } = createApp({
      repos,
      pool: db.pool,
      workflows: spy,
      ingest: { onAccepted: () => dispatcher?.wake() },
      logger: createLogger({ level: 'silent' }),
      catalog: { catalog: loaded.catalog, ruleSet: current },
      now: () => addMs(wallClock(), durationMs(clockOffset)),
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    key = (await repos.apiKeys.create({ scopes: ['admin'], name: 'e2e' }, wallClock())).key;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await dispatcher?.stop();
    try {
      await tact?.stop();
    } finally {
      await runtime?.close();
      await db?.close();
    }
  });

  /** Resolves once the dispatcher handed everything accepted so far to the workflows. */
  const delivered = () =>
    waitFor('the dispatcher delivered everything accepted', async () =>
      (await repos.ingest.lag(wallClock())).undelivered === 0 ? true : undefined,
    );

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read many response shapes
  async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  async function ok(method: string, url: string, body?: unknown): Promise<any> {
    const response = await call(method, url, body);
    if (response.status >= 300)
      throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** The skipped-ahead server clock; the API judges client times against it. */
  async function serverNow(): Promise<EpochMs> {
    const now = epochMs(await env.currentTimeMs());
    clockOffset = now - Date.now();
    return now;
  }

  const state = (user: string) => ok('GET', `/v1/users/${user}/state`) as Promise<StateBody>;

  /** Lets workflow time pass up to each planned send until `done` holds. */
  async function runUntil(user: string, done: (s: StateBody) => boolean, what: string): Promise<StateBody> {
    const deadline = Date.now() + 90_000;
    let last: StateBody | undefined;
    while (Date.now() < deadline) {
      last = await state(user);
      if (done(last)) return last;
      const planned = last.nextPlannedSend === null ? undefined : Date.parse(last.nextPlannedSend.at);
      const now = await env.currentTimeMs();
      if (planned !== undefined && planned > now && last.inboxSize === 0) await env.sleep(planned - now + 1_000);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(last, null, 1)}`);
  }

  const decided = (id: string) => (s: StateBody) => s.recentDecisions.some((d) => d.candidateId === id);

  async function newUser(user: string, attributes: Record<string, unknown> = {}): Promise<void> {
    await serverNow();
    await ok('PUT', `/v1/users/${user}`, { timeZone: 'UTC', locale: 'en', attributes });
    await ok('PUT', `/v1/users/${user}/devices/fcm-${user}-token-000000`, { platform: 'android' });
  }

  async function signalsNamed(user: string, name: string): Promise<number> {
    const history = await env.client.workflow.getHandle(userWorkflowId(user)).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
  }

  it('promo_flash and a conditional cart_updated rule: event → dry-run push, provenance filterable', async () => {
    const user = 'cat-flash';
    await newUser(user);
    const big = await ok('POST', '/v1/events', {
      id: 'cart-1',
      userId: user,
      type: 'cart_updated',
      occurredAt: new Date(await serverNow()).toISOString(),
      properties: { cartValue: 80, itemCount: 2, cartId: 'c1', couponSecret: 'not for temporal' },
    });
    expect(big).toEqual({
      id: 'cart-1',
      userId: user,
      status: 'accepted',
      candidateIds: ['cart-1:0'],
      matchedRules: ['big_cart'],
    });
    // Only the properties some rule reads travel to the workflow (the dispatcher signals it after the answer).
    await delivered();
    expect(spy.eventPayloads.at(-1)?.properties).toEqual({ cartValue: 80, itemCount: 2, cartId: 'c1' });

    const signalsBefore = spy.signals;
    const small = await ok('POST', '/v1/events', {
      id: 'cart-2',
      userId: user,
      type: 'cart_updated',
      properties: { cartValue: 20, cartId: 'c2' },
    });
    expect(small).toMatchObject({ status: 'accepted', candidateIds: [], matchedRules: [] });
    expect(small.note).toMatch(/no rule of the catalog matches event type "cart_updated"/);
    await delivered();
    expect(spy.signals).toBe(signalsBefore); // nothing to do: no signal, no Temporal action

    await runUntil(user, decided('cart-1:0'), 'the flash promotion');
    const outbox = await ok('GET', `/v1/outbox?userId=${user}`);
    expect(outbox.entries).toEqual([
      expect.objectContaining({ notificationId: 'cart-1:0', channel: 'push', title: 'Your cart is waiting' }),
    ]);

    const log = await ok('GET', `/v1/users/${user}/decisions?source=event&template=cart_abandoned`);
    expect(log.decisions).toEqual([
      expect.objectContaining({
        candidateId: 'cart-1:0',
        outcome: 'sent',
        category: 'promo_flash',
        source: 'event',
        sourceId: 'cart-1',
        template: 'cart_abandoned',
        configVersion: v1.id,
      }),
    ]);
    expect((await ok('GET', `/v1/users/${user}/decisions?source=api`)).decisions).toEqual([]);
    expect((await ok('GET', `/v1/users/${user}/decisions?sourceId=cart-9`)).decisions).toEqual([]);
    expect((await call('GET', `/v1/users/${user}/decisions?source=carrier-pigeon`)).status).toBe(400);
  });

  it('candidates endpoint: validated against the catalog, idempotent, through the same budget', async () => {
    const user = 'cat-api';
    await newUser(user);
    const endsAt = (await serverNow()) + DAY;
    const valid = {
      id: 'offer-1',
      category: 'promo_flash',
      template: 'promo_available',
      variables: { offer: 'Winter sale', discount: 0.2, ends_at: endsAt },
      businessValue: 0.9,
    };
    const bad = async (body: unknown, field: string, message: RegExp) => {
      const response = await call('POST', `/v1/users/${user}/candidates`, body);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]),
      );
    };
    await bad({ ...valid, category: 'marketing' }, 'category', /unknown category "marketing"/);
    await bad({ ...valid, template: 'nope' }, 'template', /unknown template "nope"/);
    await bad({ ...valid, variables: { offer: 'x' } }, 'variables.discount', /requires variable "discount"/);
    await bad({ ...valid, id: '0612345678' }, 'id', /phone number/);
    await bad({ ...valid, businessValue: 2 }, 'businessValue', /≤ 1/);
    await bad({ ...valid, experiment: 'onboarding' }, 'experiment', /unknown experiment/);

    const signalsBefore = spy.signalsFor(user);
    const batch = await ok('POST', `/v1/users/${user}/candidates:batch`, {
      candidates: [valid, { ...valid, id: 'offer-2', sourceId: 'campaign-7' }],
    });
    expect(batch.candidates).toEqual([
      { id: 'offer-1', status: 'accepted' },
      { id: 'offer-2', status: 'accepted' },
    ]);
    await delivered();
    expect(spy.signalsFor(user)).toBe(signalsBefore + 1); // one signal for the whole batch

    // Weekly cap 1: one is sent, the other ends on the cap, both from the API.
    const settled = await runUntil(
      user,
      (s) => decided('offer-1')(s) && decided('offer-2')(s),
      'both API candidates decided',
    );
    const outcomes = settled.recentDecisions
      .filter((d) => d.candidateId.startsWith('offer-'))
      .map((d) => d.outcome)
      .sort();
    expect(outcomes).toEqual(['sent', 'suppressed']);
    const log = await ok('GET', `/v1/users/${user}/decisions?source=api&sourceId=campaign-7`);
    expect(log.decisions).toEqual([
      expect.objectContaining({ candidateId: 'offer-2', source: 'api', sourceId: 'campaign-7' }),
    ]);

    // Once in the decision log (a send is written with its delivery), the same id again is a duplicate, not signalled.
    const sentId = present(
      settled.recentDecisions.find((d) => d.candidateId.startsWith('offer-') && d.outcome === 'sent'),
      "the settled.recentDecisions entry where d.candidateId.startsWith('offer-') && d.outcome === 'sent'",
    ).candidateId;
    const before = spy.signalsFor(user);
    const again = await ok('POST', `/v1/users/${user}/candidates`, { ...valid, id: sentId });
    expect(again.candidates).toEqual([{ id: sentId, status: 'duplicate' }]);
    await delivered();
    expect(spy.signalsFor(user)).toBe(before);
  });

  it('a cap change reaches a workflow that is already sleeping, and `state` shows the version', async () => {
    const user = 'cat-cap';
    await newUser(user);
    const now = await serverNow();
    await ok('POST', `/v1/users/${user}/candidates`, {
      id: 'later-1',
      category: 'promo_flash',
      template: 'cart_abandoned',
      businessValue: 0.9,
      notBefore: new Date(now + 3 * HOUR).toISOString(),
    });
    const sleeping = await runUntil(
      user,
      (s) => s.nextPlannedSend?.candidateId === 'later-1' && s.inboxSize === 0,
      'the workflow asleep until its planned send',
    );
    expect(Date.parse(present(sleeping.nextPlannedSend, 'sleeping.nextPlannedSend').at)).toBeGreaterThanOrEqual(
      now + 3 * HOUR,
    );
    expect(sleeping.configVersion.id).toBe(v1.id);

    // Deploy a catalog where promo_flash allows no send at all: nothing tells the workflow.
    const capped = structuredClone(v1.catalog);
    present(capped.categories.promo_flash, 'capped.categories.promo_flash').weeklyCap = 0;
    const v2 = versionedConfig(capped);
    const activation = await activateConfigVersion(db.pool, { id: v2.id, content: v2 }, await serverNow());
    current = ruleSetOf(v2, activation.activatedAt);
    expect(current.since).toBeGreaterThan(sleeping.configVersion.since);

    const after = await runUntil(user, decided('later-1'), 'the planned send, under the new version');
    expect(after.configVersion.id).toBe(v2.id);
    expect(after.recentDecisions.find((d) => d.candidateId === 'later-1')).toMatchObject({
      outcome: 'suppressed',
      reason: 'category_cap',
      configVersion: v2.id,
    });
    expect((await ok('GET', `/v1/outbox?userId=${user}`)).entries).toEqual([]);
    current = ruleSetOf(
      v1,
      (await activateConfigVersion(db.pool, { id: v1.id, content: v1 }, await serverNow())).activatedAt,
    );
  });

  it('sessions clear dormancy with one signal and move the learned send hour with none', async () => {
    const user = 'cat-sessions';
    await newUser(user);
    // 31 days without engagement, to 08:05 UTC: dormant.
    const start = await serverNow();
    const monthLater = start + 31 * DAY;
    let wake = Math.floor(monthLater / DAY) * DAY + 8 * HOUR + 5 * 60_000;
    if (wake < monthLater) wake += DAY;
    await env.sleep(wake - start);
    await serverNow();
    const social = (id: string) => ({
      id,
      category: 'social',
      template: 'friend_joined',
      variables: { friend_name: 'Ana' },
      businessValue: 0.5,
    });
    await ok('POST', `/v1/users/${user}/candidates`, social('low-1'));
    const dormant = await runUntil(user, decided('low-1'), 'the dormant user’s candidate');
    expect(dormant.recentDecisions.find((d) => d.candidateId === 'low-1')).toMatchObject({
      outcome: 'suppressed',
      reason: 'daily_cap',
    });

    const back = await ok('POST', `/v1/users/${user}/sessions`, {});
    expect(back).toEqual({ userId: user, recorded: 1, sessions: 1, signalled: true });
    const backState = await runUntil(user, (s) => s.sessions?.count === 1, 'the session aggregate');
    expect(backState.learnedPeakHour).toBe(8);

    // Six evenings of app opens (19:10 UTC on the days before): no signal for any of them.
    const evenings = [1, 2, 3, 4, 5, 6].map((d) => ({
      at: new Date(wake - d * DAY + 11 * HOUR + 5 * 60_000).toISOString(),
    }));
    const more = await ok('POST', `/v1/users/${user}/sessions`, { sessions: evenings });
    expect(more).toEqual({ userId: user, recorded: 6, sessions: 7, signalled: false });
    for (let i = 0; i < 3; i += 1) {
      expect((await ok('POST', `/v1/users/${user}/sessions`, {})).signalled).toBe(false);
    }
    expect(await signalsNamed(user, 'appOpened')).toBe(1);
    expect(spy.signalsFor(user, 'appOpened')).toBe(1);

    // No longer dormant: the same low-value candidate goes out; the send hands the workflow the aggregate.
    await ok('POST', `/v1/users/${user}/candidates`, social('low-2'));
    const sent = await runUntil(user, decided('low-2'), 'the candidate after the user came back');
    expect(sent.recentDecisions.find((d) => d.candidateId === 'low-2')).toMatchObject({ outcome: 'sent' });
    const learned = await state(user);
    expect(learned.sessions?.count).toBe(10);
    expect(learned.learnedPeakHour).toBe(19);
    expect(await signalsNamed(user, 'appOpened')).toBe(1);
  });
});
