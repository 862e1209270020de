// RFC 8058 one-click unsubscribe as mail providers send it: any body (urlencoded, multipart, none), the opt-out
// added atomically, and a 200 even when the workflow cannot be told at once (the opt-out is stored).
import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, UNSUBSCRIBE_TOKEN_LIFETIME_MS } from '../../activities/delivery';
import type { Category, EpochMs } from '../../domain/types';
import { uniqueId } from './support';
import { useScriptedApi } from './scripted-workflows';
import { wallClock } from '../../clock';
import { addMs, days, durationMs, plusMs, subMs } from '../../domain/units';
import { nth, present } from '../../domain/present';

const SECRET = 'unsubscribe-test-secret-0123456789abcdef0123';
const api = useScriptedApi({ unsubscribeSecret: SECRET });

async function userWithLink(category: Category): Promise<{ userId: string; path: string }> {
  const userId = uniqueId('unsub');
  await api().repos.users.upsert({ id: userId, timeZone: 'UTC', locale: 'en', attributes: {} }, wallClock());
  const token = signUnsubscribeToken({ userId, category, issuedAt: wallClock() }, SECRET);
  return { userId, path: `/v1/unsubscribe/${token}` };
}

const MULTIPART = '--xyz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--xyz--\r\n';

describe('one-click unsubscribe', () => {
  it('refuses future, expired and critical or transactional links, storing nothing', async () => {
    const userId = uniqueId('unsub');
    await api().repos.users.upsert({ id: userId, timeZone: 'UTC', locale: 'en', attributes: {} }, wallClock());
    const link = (category: Category, issuedAt: EpochMs) =>
      `/v1/unsubscribe/${signUnsubscribeToken({ userId, category, issuedAt }, SECRET)}`;
    const day = days(1);
    const cases: [string, number][] = [
      [link('marketing', addMs(wallClock(), days(100 * 365))), 400],
      [link('marketing', subMs(wallClock(), plusMs(durationMs(UNSUBSCRIBE_TOKEN_LIFETIME_MS), day))), 410],
      [link('security', wallClock()), 400],
      [link('account', wallClock()), 400],
    ];
    for (const [path, status] of cases) {
      const response = await api().call('POST', path, { key: null });
      expect(response.status, path).toBe(status);
      expect((await api().call('GET', path, { key: null })).status).toBe(status);
    }
    expect((await api().repos.preferences.get(userId)).optedOutCategories).toEqual([]);
    // The link of a mail sent 30 days ago still works.
    expect((await api().call('POST', link('marketing', subMs(wallClock(), days(30))), { key: null })).status).toBe(200);
  });

  it.each([
    ['multipart/form-data', { 'content-type': 'multipart/form-data; boundary=xyz' }, MULTIPART],
    ['urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click'],
    ['text/plain', { 'content-type': 'text/plain' }, 'List-Unsubscribe=One-Click'],
    ['no body', {}, undefined],
  ])('accepts a %s POST', async (_kind, headers, rawBody) => {
    const { userId, path } = await userWithLink('marketing');
    const response = await api().call('POST', path, {
      key: null,
      headers,
      rawBody,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({ userId, category: 'marketing', status: 'unsubscribed' });
    expect((await api().repos.preferences.get(userId)).optedOutCategories).toEqual(['marketing']);
  });

  it('signals the full stored preferences with a version above the previous write', async () => {
    const { userId, path } = await userWithLink('social');
    const before = await api().repos.preferences.patch(userId, { optedOutCategories: ['content'] }, wallClock());
    expect((await api().call('POST', path, { key: null })).status).toBe(200);
    const [signal] = api().workflows.signalsOf('updatePreferences', userId);
    const { preferences, version } = present(signal, 'signal').args as {
      preferences: { optedOutCategories: string[] };
      version: number;
    };
    expect(preferences.optedOutCategories).toEqual(['content', 'social']);
    expect(version).toBeGreaterThan(before.version);
  });

  it('keeps a category opted out by a concurrent preference change', async () => {
    const { userId, path } = await userWithLink('marketing');
    const other = await userWithLink('social');
    // Same user, two links for two categories, and a PATCH, all at once.
    const socialPath = `/v1/unsubscribe/${signUnsubscribeToken({ userId, category: 'social', issuedAt: wallClock() }, SECRET)}`;
    const results = await Promise.all([
      api().call('POST', path, { key: null }),
      api().call('POST', socialPath, { key: null }),
      api().call('PATCH', `/v1/users/${userId}/preferences`, { json: { privacyMode: true } }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const stored = await api().repos.preferences.get(userId);
    expect([...stored.optedOutCategories].sort()).toEqual(['marketing', 'social']);
    expect(stored.privacyMode).toBe(true);
    expect((await api().repos.preferences.get(other.userId)).optedOutCategories).toEqual([]);
  });

  it('answers 200 with the opt-out stored when the workflow service is unreachable', async () => {
    const { userId, path } = await userWithLink('marketing');
    api().workflows.failNext();
    const response = await api().call('POST', path, {
      key: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    expect((await api().repos.preferences.get(userId)).optedOutCategories).toEqual(['marketing']);
    expect(api().workflows.signalsOf('updatePreferences', userId)).toHaveLength(0);
  });

  it('documents both form media types in OpenAPI', async () => {
    const doc = (await api().call('GET', '/v1/openapi.json')).body;
    const content = doc.paths['/v1/unsubscribe/{token}'].post.requestBody.content;
    expect(Object.keys(content).sort()).toEqual(['application/x-www-form-urlencoded', 'multipart/form-data']);
  });
});

describe('preference signals', () => {
  it('carry the full stored preferences and a version that grows with every write', async () => {
    const { userId } = await userWithLink('marketing');
    await api().call('PATCH', `/v1/users/${userId}/preferences`, { json: { optedOutChannels: ['sms'] } });
    await api().call('PATCH', `/v1/users/${userId}/preferences`, { json: { privacyMode: true } });
    const signals = api()
      .workflows.signalsOf('updatePreferences', userId)
      .map((call) => call.args as { preferences: Record<string, unknown>; version: number });
    expect(signals).toHaveLength(2);
    expect(nth(signals, 1).version).toBeGreaterThan(nth(signals, 0).version);
    // The whole set, not the patch: the second signal still carries the first change.
    expect(nth(signals, 1).preferences).toMatchObject({ optedOutChannels: ['sms'], privacyMode: true });
  });
});
