import { describe, expect, it } from 'vitest';
import { UnknownUserError } from '../../db/errors';
import { PreferencesRepository } from '../../db/preferences';
import { defaultPreferences } from '../../domain/user-defaults';
import { UserRepository } from '../../db/users';
import { useTestDatabase } from '../support/test-database';
import { minuteOfDay, type MinuteOfDay, addMs, durationMs, seconds } from '../../domain/units';
import { utc } from '../support/instants';
import { present } from '../../domain/present';

const T0 = utc(2025, 0, 6, 12, 0, 0);

describe('users', () => {
  const db = useTestDatabase();
  const users = () => new UserRepository(db().pool);

  it('create a profile, then replace it keeping its creation time', async () => {
    const created = await users().upsert(
      { id: 'u-profile', timeZone: 'Europe/Paris', locale: 'fr-FR', attributes: { plan: 'free', tags: ['a'] } },
      T0,
    );
    expect(created.created).toBe(true);
    expect(created.user).toEqual({
      id: 'u-profile',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      attributes: { plan: 'free', tags: ['a'] },
      createdAt: T0,
      updatedAt: T0,
    });

    const replaced = await users().upsert(
      { id: 'u-profile', timeZone: 'America/Sao_Paulo', locale: 'pt-BR', attributes: { plan: 'pro' } },
      addMs(T0, seconds(1)),
    );
    expect(replaced.created).toBe(false);
    expect(await users().get('u-profile')).toEqual({
      id: 'u-profile',
      timeZone: 'America/Sao_Paulo',
      locale: 'pt-BR',
      attributes: { plan: 'pro' },
      createdAt: T0,
      updatedAt: T0 + 1000,
    });
  });

  it('answer null and false for an unknown user', async () => {
    expect(await users().get('nobody')).toBeNull();
    expect(await users().exists('nobody')).toBe(false);
    expect(await users().delete('nobody')).toBe(false);
  });

  it('store ids and attributes with quotes, unicode and SQL-looking text verbatim', async () => {
    const id = `o'brien"; DROP TABLE users; -- 👋`;
    await users().upsert({ id, timeZone: 'UTC', locale: 'ar', attributes: { name: 'مرحبا', "k'ey": '\\x00' } }, T0);
    expect((await users().get(id))?.attributes).toEqual({ name: 'مرحبا', "k'ey": '\\x00' });
  });

  it('delete a user with their preferences', async () => {
    await users().upsert({ id: 'u-gone', timeZone: 'UTC', locale: 'en', attributes: {} }, T0);
    const preferences = new PreferencesRepository(db().pool);
    await preferences.patch('u-gone', { globalOptOut: true }, T0);
    expect(await users().delete('u-gone')).toBe(true);
    expect(await users().get('u-gone')).toBeNull();
    expect(await preferences.get('u-gone')).toEqual(defaultPreferences());
  });
});

describe('preferences', () => {
  const db = useTestDatabase();
  const preferences = () => new PreferencesRepository(db().pool);
  const addUser = (id: string) =>
    new UserRepository(db().pool).upsert({ id, timeZone: 'UTC', locale: 'en', attributes: {} }, T0);

  it('default when never set', async () => {
    await addUser('p-default');
    expect(await preferences().get('p-default')).toEqual(defaultPreferences());
  });

  it('apply a patch field by field, keeping absent fields', async () => {
    await addUser('p-patch');
    const repo = preferences();
    expect(
      (await repo.patch('p-patch', { optedOutCategories: ['marketing', 'social', 'marketing'] }, T0)).preferences,
    ).toEqual({
      ...defaultPreferences(),
      optedOutCategories: ['marketing', 'social'],
    });
    await repo.patch(
      'p-patch',
      { quietHours: { start: minuteOfDay(23 * 60), end: minuteOfDay(6 * 60) }, privacyMode: true },
      addMs(T0, durationMs(1)),
    );
    const { preferences: after } = await repo.patch(
      'p-patch',
      { globalOptOut: true, optedOutChannels: ['email'] },
      addMs(T0, durationMs(2)),
    );
    expect(after).toEqual({
      globalOptOut: true,
      optedOutCategories: ['marketing', 'social'],
      optedOutChannels: ['email'],
      quietHours: { start: minuteOfDay(1380), end: minuteOfDay(360) },
      nightDelivery: false,
      privacyMode: true,
    });
    expect(await repo.get('p-patch')).toEqual(after);
  });

  it('restore the default quiet hours with quietHours: null, and ignore undefined fields', async () => {
    await addUser('p-quiet');
    const repo = preferences();
    await repo.patch(
      'p-quiet',
      { quietHours: { start: minuteOfDay(0), end: minuteOfDay(420) }, nightDelivery: true },
      T0,
    );
    const { preferences: after } = await repo.patch(
      'p-quiet',
      { quietHours: null, nightDelivery: undefined },
      addMs(T0, durationMs(1)),
    );
    expect(after.quietHours).toBeNull();
    expect(after.nightDelivery).toBe(true);
  });

  it('keep both of two concurrent patches of different fields', async () => {
    await addUser('p-race');
    const repo = preferences();
    await Promise.all([
      repo.patch('p-race', { globalOptOut: true }, T0),
      repo.patch('p-race', { privacyMode: true }, T0),
      repo.patch('p-race', { optedOutChannels: ['sms'] }, T0),
    ]);
    expect(await repo.get('p-race')).toMatchObject({
      globalOptOut: true,
      privacyMode: true,
      optedOutChannels: ['sms'],
    });
  });

  it('number every write with a higher version, concurrent writes included', async () => {
    await addUser('p-version');
    const repo = preferences();
    const first = await repo.patch('p-version', { privacyMode: true }, T0);
    const concurrent = await Promise.all([
      repo.patch('p-version', { globalOptOut: true }, addMs(T0, durationMs(1))),
      repo.optOutOfCategory('p-version', 'social', addMs(T0, durationMs(1))),
      repo.patch('p-version', { nightDelivery: true }, addMs(T0, durationMs(1))),
    ]);
    const versions = concurrent.map((stored) => stored.version);
    expect(new Set(versions).size).toBe(3);
    expect(Math.min(...versions)).toBeGreaterThan(first.version);
    // The highest version is the state in force.
    const latest = present(
      concurrent.find((stored) => stored.version === Math.max(...versions)),
      'the concurrent entry where stored.version === Math.max(...versions)',
    );
    expect(latest.preferences).toEqual(await repo.get('p-version'));
  });

  it('add a category opt-out atomically, losing neither of two concurrent ones nor a concurrent patch', async () => {
    await addUser('p-optout');
    const repo = preferences();
    await repo.patch('p-optout', { optedOutCategories: ['content'] }, T0);
    await Promise.all([
      repo.optOutOfCategory('p-optout', 'marketing', addMs(T0, durationMs(1))),
      repo.optOutOfCategory('p-optout', 'social', addMs(T0, durationMs(1))),
      repo.patch('p-optout', { privacyMode: true }, addMs(T0, durationMs(1))),
    ]);
    const after = await repo.get('p-optout');
    expect([...after.optedOutCategories].sort()).toEqual(['content', 'marketing', 'social']);
    expect(after.privacyMode).toBe(true);
    const again = await repo.optOutOfCategory('p-optout', 'social', addMs(T0, durationMs(2)));
    expect([...again.preferences.optedOutCategories].sort()).toEqual(['content', 'marketing', 'social']);
    // A user without stored preferences gets the defaults plus the one category.
    await addUser('p-optout-fresh');
    expect((await repo.optOutOfCategory('p-optout-fresh', 'reminder', T0)).preferences).toEqual({
      ...defaultPreferences(),
      optedOutCategories: ['reminder'],
    });
    await expect(repo.optOutOfCategory('p-nobody', 'social', T0)).rejects.toBeInstanceOf(UnknownUserError);
  });

  it('refuse preferences for a user without a profile', async () => {
    await expect(preferences().patch('p-unknown', { globalOptOut: true }, T0)).rejects.toBeInstanceOf(UnknownUserError);
  });

  it('reject values outside the domain at the database too', async () => {
    await addUser('p-bad');
    await expect(
      preferences().patch('p-bad', { quietHours: { start: 1440 as MinuteOfDay, end: minuteOfDay(0) } }, T0),
    ).rejects.toThrow(/check constraint/);
    // Categories are the catalog's data: any lower_snake_case name is stored, nothing else.
    await expect(preferences().patch('p-bad', { optedOutCategories: ['Not A Name'] }, T0)).rejects.toThrow(
      /check constraint/,
    );
  });
});
