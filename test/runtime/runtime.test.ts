// The worker's production activities on the real database: providers from the environment (APNs live against the
// fake server, the other channels dry-run), localization with database overrides, ledger, devices and decision log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryConfigError, DRY_RUN_PREFIX } from '../../activities/delivery';
import { createRuntimeActivities, deepLinksFromEnv, type RuntimeActivities } from '../../activities/runtime';
import type { DeliverNotificationInput } from '../../activities/types';
import { DecisionRepository } from '../../db/decisions';
import { EndpointRepository } from '../../db/devices';
import { LedgerRepository } from '../../db/ledger';
import { OutboxRepository } from '../../db/outbox';
import { InvalidTemplateOverrideError, TemplateOverrideRepository } from '../../db/template-overrides';
import { UserRepository } from '../../db/users';
import type { Candidate, Preferences } from '../../domain/types';
import { defaultPreferences } from '../../domain/user-defaults';
import { APNS_REPLIES, startFakeApns, type FakeApns } from '../delivery/servers/apns';
import { useTestDatabase } from '../support/test-database';
import { APNS_TOPIC, apnsEnv, captureLog, iosToken, type LogLine } from './support';
import { probability, minutes, subMs, addMs, hours } from '../../domain/units';
import { utc } from '../support/instants';
import { present } from '../../domain/present';

const NOW = utc(2025, 5, 2, 12, 0, 0);
const USER = 'runtime-user-1';
const IOS = iosToken(1);
const ANDROID = 'android-token-runtime-0001';
const PREFERENCES: Preferences = defaultPreferences();

let seq = 0;
function friendJoined(overrides: Partial<Candidate> = {}): Candidate {
  seq += 1;
  return {
    id: `evt-${seq}:4`,
    userId: USER,
    category: 'social',
    // As the domain's default trigger rule names it: the catalog's template name.
    template: 'friend_joined',
    variables: { friend_name: 'Anna', mutual_count: 2 },
    deepLink: 'app://profile/anna',
    createdAt: subMs(NOW, minutes(1)),
    expiresAt: addMs(NOW, hours(12)),
    businessValue: probability(0.5),
    source: 'event',
    ...overrides,
  };
}

function input(candidate: Candidate, overrides: Partial<DeliverNotificationInput> = {}): DeliverNotificationInput {
  return {
    userId: USER,
    candidate,
    channels: ['push'],
    profile: { timeZone: 'Europe/Berlin', locale: 'de' },
    preferences: PREFERENCES,
    ...overrides,
  };
}

function alertOf(apns: FakeApns, nid: string): { title: string; body: string } {
  const request = apns.requests.find((r) => r.payload.nid === nid);
  if (!request) throw new Error(`the fake APNs received nothing for ${nid}`);
  return (request.payload.aps as { alert: { title: string; body: string } }).alert;
}

describe('runtime activities', () => {
  const db = useTestDatabase();
  let apns: FakeApns;
  let env: ReturnType<typeof apnsEnv>;
  let runtime: RuntimeActivities;
  let logs: LogLine[];

  beforeAll(async () => {
    apns = await startFakeApns();
    env = apnsEnv(apns);
    const captured = captureLog();
    logs = captured.lines;
    runtime = await createRuntimeActivities({ pool: db().pool, env: env.env, now: () => NOW, log: captured.log });
    const users = new UserRepository(db().pool);
    const endpoints = new EndpointRepository(db().pool);
    await users.upsert({ id: USER, timeZone: 'Europe/Berlin', locale: 'de', attributes: {} }, NOW);
    await endpoints.put(USER, { channel: 'push', platform: 'ios', token: IOS }, NOW);
    await endpoints.put(USER, { channel: 'push', platform: 'android', token: ANDROID }, NOW);
  });

  afterAll(async () => {
    await runtime?.close();
    await apns?.close();
    env?.cleanup();
  });

  it('log once which providers are live and which run dry', () => {
    expect(runtime.channels).toEqual({ apns: 'live', fcm: 'dry-run', email: 'dry-run', sms: 'dry-run' });
    expect(logs.filter((l) => l.event === 'delivery.providers')).toEqual([
      {
        level: 'info',
        event: 'delivery.providers',
        fields: { apns: 'live', fcm: 'dry-run', email: 'dry-run', sms: 'dry-run', templateOverrides: 0 },
      },
    ]);
  });

  it('deliver a localized push to APNs and the dry-run outbox, and record the ledger rows', async () => {
    const candidate = friendJoined();
    const result = await runtime.deliver(input(candidate));
    expect(result).toEqual({ kind: 'delivered', channel: 'push', endpoints: 2, at: NOW });

    const request = present(
      apns.requestsFor(IOS).find((r) => r.payload.nid === candidate.id),
      'the apns.requestsFor(IOS) entry where r.payload.nid === candidate.id',
    );
    expect(request.headers['apns-topic']).toBe(APNS_TOPIC);
    expect(request.payload).toMatchObject({
      aps: { alert: { title: 'Anna ist jetzt dabei', body: 'Ihr habt 2 gemeinsame Freunde. Sag Hallo!' } },
      nid: candidate.id,
      category: 'social',
      link: 'app://profile/anna',
    });

    const [outboxEntry, ...more] = await new OutboxRepository(db().pool).list({ userId: USER, limit: 10 });
    expect(more).toEqual([]);
    expect(outboxEntry).toMatchObject({
      dryRun: true,
      notificationId: candidate.id,
      channel: 'push',
      title: 'Anna ist jetzt dabei',
      body: 'Ihr habt 2 gemeinsame Freunde. Sag Hallo!',
      data: { nid: candidate.id, category: 'social', link: 'app://profile/anna' },
    });
    expect(present(outboxEntry, 'outboxEntry').destination).not.toContain(ANDROID);

    const ledger = await new LedgerRepository(db().pool).list(candidate.id);
    expect(ledger).toHaveLength(2);
    expect(ledger.every((e) => e.status === 'sent' && e.channel === 'push')).toBe(true);
    expect(ledger.filter((e) => e.providerMessageId?.startsWith(DRY_RUN_PREFIX))).toHaveLength(1);
    expect(ledger.map((e) => e.endpointKey).join(' ')).not.toContain(IOS);

    // A retried activity sends nothing twice.
    const before = apns.requests.length;
    expect(await runtime.deliver(input(candidate))).toMatchObject({ kind: 'delivered' });
    expect(apns.requests.length).toBe(before);
    expect(await new OutboxRepository(db().pool).list({ userId: USER, limit: 10 })).toHaveLength(1);
  });

  it('record decisions in the decision log and score candidates', async () => {
    const candidate = friendJoined();
    await runtime.activities.recordDecisions({
      userId: USER,
      decisions: [
        { candidateId: candidate.id, category: 'social', outcome: { kind: 'sent', channel: 'push', at: NOW } },
      ],
    });
    const page = await new DecisionRepository(db().pool).list(USER);
    // The log may add receipts to a listed decision (db/decisions.ts): the decision itself is what was recorded.
    expect(page.decisions).toContainEqual(
      expect.objectContaining({
        candidateId: candidate.id,
        category: 'social',
        outcome: { kind: 'sent', channel: 'push', at: NOW },
      }),
    );
  });

  it('render a database override once refreshed, and reject an invalid one on write', async () => {
    const overrides = new TemplateOverrideRepository(db().pool);
    await overrides.upsert(
      { template: 'friend_joined', locale: 'de', document: { title: 'Neu dabei: {friend_name}' } },
      NOW,
    );
    const stale = friendJoined();
    await runtime.deliver(input(stale));
    expect(alertOf(apns, stale.id).title).toBe('Anna ist jetzt dabei');

    await runtime.templateOverrides.refresh();
    expect(runtime.templateOverrides.size()).toBe(1);
    const fresh = friendJoined();
    await runtime.deliver(input(fresh));
    // The title comes from the override, the body still from templates/friend_joined/de.json.
    expect(alertOf(apns, fresh.id)).toEqual({
      title: 'Neu dabei: Anna',
      body: 'Ihr habt 2 gemeinsame Freunde. Sag Hallo!',
    });

    const write = overrides.upsert(
      { template: 'friend_joined', locale: 'de', document: { title: 'Hallo {nickname}' } },
      NOW,
    );
    await expect(write).rejects.toBeInstanceOf(InvalidTemplateOverrideError);
    await expect(write).rejects.toThrow('title: variable "nickname" is not declared');
    expect((await overrides.get('friend_joined', 'de'))?.kind === 'valid').toBe(true);

    await overrides.delete('friend_joined', 'de');
    await runtime.templateOverrides.refresh();
  });

  it('ignore an override written around the repository that the catalog cannot use, with a warning', async () => {
    await db().pool.query(
      `INSERT INTO template_overrides (template, locale, document, updated_at)
       VALUES ('friend_joined', 'de', '{"title": "Hallo {nickname}"}', now())`,
    );
    await runtime.templateOverrides.refresh();
    const candidate = friendJoined();
    await runtime.deliver(input(candidate));
    expect(alertOf(apns, candidate.id).title).toBe('Anna ist jetzt dabei');
    expect(logs).toContainEqual({
      level: 'warn',
      event: 'templates.override_rejected',
      fields: { template: 'friend_joined', locale: 'de', problems: 'title: variable "nickname" is not declared' },
    });
    await db().pool.query('DELETE FROM template_overrides');
    await runtime.templateOverrides.refresh();
  });

  it('deactivate a dead iOS token at once and still deliver to the other device', async () => {
    const dead = iosToken(2);
    await new EndpointRepository(db().pool).put(USER, { channel: 'push', platform: 'ios', token: dead }, NOW);
    apns.script(dead, APNS_REPLIES.unregistered);
    const candidate = friendJoined();
    expect(await runtime.deliver(input(candidate))).toMatchObject({
      kind: 'delivered',
      endpoints: 2,
    });
    expect(await new EndpointRepository(db().pool).device(dead)).toMatchObject({
      active: false,
      deactivatedAt: NOW,
      lastError: expect.stringContaining('apns'),
    });
    const ledger = await new LedgerRepository(db().pool).list(candidate.id);
    expect(ledger.map((e) => e.status).sort()).toEqual(['failed_permanent', 'sent', 'sent']);
  });

  it('suppress with template_error when no template matches, and no_channel without endpoints', async () => {
    expect(await runtime.deliver(input(friendJoined({ template: 'social.friend_joined' })))).toMatchObject({
      kind: 'failed',
      reason: 'template_error',
      detail: expect.stringContaining('unknown template "social.friend_joined"'),
    });
    expect(await runtime.deliver(input(friendJoined(), { channels: ['email', 'sms'] }))).toMatchObject({
      kind: 'failed',
      reason: 'no_channel',
    });
  });

  it('refuse to start on bad configuration, naming the variable', async () => {
    const partial = { ...env.env, TACT_APNS_KEY_ID: undefined };
    await expect(createRuntimeActivities({ pool: db().pool, env: partial, log: () => {} })).rejects.toThrow(
      /APNs is partly configured; missing TACT_APNS_KEY_ID/,
    );
    await expect(
      createRuntimeActivities({ pool: db().pool, env: { TACT_TEMPLATE_REFRESH_MS: 'soon' }, log: () => {} }),
    ).rejects.toThrow(/TACT_TEMPLATE_REFRESH_MS/);
    expect(() => deepLinksFromEnv({ TACT_DEEP_LINK_SCHEMES: 'app,java script' })).toThrow(DeliveryConfigError);
    expect(() => deepLinksFromEnv({ TACT_DEEP_LINK_HOSTS: 'https://example.com' })).toThrow(/TACT_DEEP_LINK_HOSTS/);
    expect(
      deepLinksFromEnv({ TACT_DEEP_LINK_SCHEMES: ' myapp , https ', TACT_DEEP_LINK_HOSTS: '*.example.com' }),
    ).toEqual({ schemes: ['myapp', 'https'], hosts: ['*.example.com'] });
  });

  it('run every channel dry without any credentials', async () => {
    const dry = await createRuntimeActivities({ pool: db().pool, env: {}, now: () => NOW, log: () => {} });
    try {
      expect(dry.channels).toEqual({ apns: 'dry-run', fcm: 'dry-run', email: 'dry-run', sms: 'dry-run' });
      const candidate = friendJoined();
      const before = apns.requests.length;
      expect(await dry.deliver(input(candidate))).toMatchObject({ kind: 'delivered' });
      expect(apns.requests.length).toBe(before);
      const outbox = await new OutboxRepository(db().pool).list({ userId: USER, limit: 100 });
      expect(outbox.filter((e) => e.notificationId === candidate.id)).toHaveLength(2);
    } finally {
      await dry.close();
    }
  });
});
