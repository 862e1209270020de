import { describe, expect, it } from 'vitest';
import { EndpointRepository } from '../../db/devices';
import { UnknownUserError } from '../../db/errors';
import { UserRepository } from '../../db/users';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { addMs, durationMs } from '../../domain/units';

const T0 = utc(2025, 2, 1, 9, 0, 0);

describe('endpoints', () => {
  const db = useTestDatabase();
  const endpoints = () => new EndpointRepository(db().pool);
  const addUser = (id: string) =>
    new UserRepository(db().pool).upsert({ id, timeZone: 'UTC', locale: 'en', attributes: {} }, T0);

  it('register push devices, email and phone, and list active ones per channel, newest first', async () => {
    await addUser('d-list');
    const repo = endpoints();
    expect(await repo.put('d-list', { channel: 'push', platform: 'ios', token: 'tok-ios-1' }, T0)).toEqual({
      created: true,
      replaced: false,
    });
    await repo.put(
      'd-list',
      { channel: 'push', platform: 'android', token: 'tok-android-1' },
      addMs(T0, durationMs(10)),
    );
    await repo.put('d-list', { channel: 'email', address: 'ada@example.com' }, addMs(T0, durationMs(20)));
    await repo.put('d-list', { channel: 'sms', phone: '+33612345678' }, addMs(T0, durationMs(30)));

    expect(await repo.activeEndpoints('d-list', 'push')).toEqual([
      { channel: 'push', platform: 'android', token: 'tok-android-1' },
      { channel: 'push', platform: 'ios', token: 'tok-ios-1' },
    ]);
    expect(await repo.activeEndpoints('d-list', 'email')).toEqual([{ channel: 'email', address: 'ada@example.com' }]);
    expect(await repo.activeEndpoints('d-list', 'sms')).toEqual([{ channel: 'sms', phone: '+33612345678' }]);
    expect(await repo.activeEndpoints('nobody', 'push')).toEqual([]);
  });

  it('register the same endpoint twice as one', async () => {
    await addUser('d-twice');
    const repo = endpoints();
    await repo.put('d-twice', { channel: 'email', address: 'x@example.com' }, T0);
    expect(await repo.put('d-twice', { channel: 'email', address: 'x@example.com' }, addMs(T0, durationMs(1)))).toEqual(
      {
        created: false,
        replaced: false,
      },
    );
    expect(await repo.list('d-twice')).toHaveLength(1);
  });

  it('deactivate a token at once, idempotently, and re-activate it when the app registers it again', async () => {
    await addUser('d-dead');
    const repo = endpoints();
    await repo.put('d-dead', { channel: 'push', platform: 'web', token: 'tok-dead' }, T0);
    await repo.put('d-dead', { channel: 'push', platform: 'ios', token: 'tok-alive' }, T0);

    await repo.deactivateToken('tok-dead', 'UNREGISTERED', addMs(T0, durationMs(100)));
    await repo.deactivateToken('tok-dead', 'later error', addMs(T0, durationMs(200)));
    expect(await repo.device('tok-dead')).toEqual({
      userId: 'd-dead',
      platform: 'web',
      token: 'tok-dead',
      active: false,
      lastError: 'UNREGISTERED',
      deactivatedAt: T0 + 100,
    });
    expect(await repo.activeEndpoints('d-dead', 'push')).toEqual([
      { channel: 'push', platform: 'ios', token: 'tok-alive' },
    ]);

    await repo.put('d-dead', { channel: 'push', platform: 'web', token: 'tok-dead' }, addMs(T0, durationMs(300)));
    expect(await repo.device('tok-dead')).toEqual({
      userId: 'd-dead',
      platform: 'web',
      token: 'tok-dead',
      active: true,
    });
  });

  it('deactivate a bounced email address or a STOPped number of that user only, until registered again', async () => {
    await addUser('d-bounce');
    await addUser('d-bounce-other');
    const repo = endpoints();
    const mail = { channel: 'email', address: 'gone@example.com' } as const;
    const phone = { channel: 'sms', phone: '+33600000042' } as const;
    await repo.put('d-bounce', mail, T0);
    await repo.put('d-bounce', phone, T0);
    await repo.put('d-bounce-other', mail, T0);

    await repo.deactivateEndpoint('d-bounce', mail, 'smtp: 550 5.1.1', addMs(T0, durationMs(100)));
    await repo.deactivateEndpoint('d-bounce', mail, 'later bounce', addMs(T0, durationMs(200)));
    await repo.deactivateEndpoint('d-bounce', phone, 'twilio-sms: 400 21610', addMs(T0, durationMs(100)));
    // An address the user no longer has is left alone.
    await repo.deactivateEndpoint(
      'd-bounce-other',
      { channel: 'email', address: 'old@example.com' },
      'x',
      addMs(T0, durationMs(100)),
    );

    expect(await repo.activeEndpoints('d-bounce', 'email')).toEqual([]);
    expect(await repo.activeEndpoints('d-bounce', 'sms')).toEqual([]);
    expect(await repo.activeEndpoints('d-bounce-other', 'email')).toEqual([mail]);
    expect(
      (await repo.list('d-bounce')).map((r) => [r.endpoint.channel, r.active, r.lastError, r.deactivatedAt]),
    ).toEqual(
      expect.arrayContaining([
        ['email', false, 'smtp: 550 5.1.1', T0 + 100],
        ['sms', false, 'twilio-sms: 400 21610', T0 + 100],
      ]),
    );

    await repo.put('d-bounce', mail, addMs(T0, durationMs(300)));
    expect(await repo.activeEndpoints('d-bounce', 'email')).toEqual([mail]);
  });

  it('move a push token to the user who registers it last', async () => {
    await addUser('d-old-owner');
    await addUser('d-new-owner');
    const repo = endpoints();
    await repo.put('d-old-owner', { channel: 'push', platform: 'android', token: 'tok-shared' }, T0);
    expect(
      await repo.put(
        'd-new-owner',
        { channel: 'push', platform: 'android', token: 'tok-shared' },
        addMs(T0, durationMs(1)),
      ),
    ).toEqual({ created: false, replaced: false });
    expect(await repo.activeEndpoints('d-old-owner', 'push')).toEqual([]);
    expect(await repo.activeEndpoints('d-new-owner', 'push')).toEqual([
      { channel: 'push', platform: 'android', token: 'tok-shared' },
    ]);
  });

  it('let two users share an email address', async () => {
    await addUser('d-family-1');
    await addUser('d-family-2');
    const repo = endpoints();
    await repo.put('d-family-1', { channel: 'email', address: 'family@example.com' }, T0);
    await repo.put('d-family-2', { channel: 'email', address: 'family@example.com' }, T0);
    expect(await repo.activeEndpoints('d-family-1', 'email')).toHaveLength(1);
    expect(await repo.activeEndpoints('d-family-2', 'email')).toHaveLength(1);
  });

  it('keep one email address and one phone number per user: a new one replaces the old, re-activated', async () => {
    await addUser('d-contact');
    const repo = endpoints();
    await repo.put('d-contact', { channel: 'push', platform: 'ios', token: 'tok-contact-1' }, T0);
    await repo.put('d-contact', { channel: 'push', platform: 'android', token: 'tok-contact-2' }, T0);
    expect(await repo.put('d-contact', { channel: 'email', address: 'old@example.com' }, T0)).toEqual({
      created: true,
      replaced: false,
    });
    expect(await repo.put('d-contact', { channel: 'sms', phone: '+33612345678' }, T0)).toEqual({
      created: true,
      replaced: false,
    });
    expect(
      await repo.put('d-contact', { channel: 'email', address: 'new@example.com' }, addMs(T0, durationMs(1))),
    ).toEqual({
      created: false,
      replaced: true,
    });
    expect(await repo.activeEndpoints('d-contact', 'email')).toEqual([
      { channel: 'email', address: 'new@example.com' },
    ]);
    expect(await repo.activeEndpoints('d-contact', 'sms')).toEqual([{ channel: 'sms', phone: '+33612345678' }]);
    expect(await repo.activeEndpoints('d-contact', 'push')).toHaveLength(2);

    // Concurrent replacements leave exactly one address, one of those given.
    const given = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    await Promise.all(
      given.map((address) => repo.put('d-contact', { channel: 'email', address }, addMs(T0, durationMs(2)))),
    );
    const after = await repo.activeEndpoints('d-contact', 'email');
    expect(after).toHaveLength(1);
    expect(given).toContain((after[0] as { address: string }).address);
  });

  it('delete the email address or the phone number of a user, and only theirs', async () => {
    await addUser('d-forget');
    await addUser('d-keep');
    const repo = endpoints();
    await repo.put('d-forget', { channel: 'email', address: 'f@example.com' }, T0);
    await repo.put('d-forget', { channel: 'sms', phone: '+15551234567' }, T0);
    await repo.put('d-keep', { channel: 'email', address: 'f@example.com' }, T0);
    expect(await repo.deleteContact('d-forget', 'email')).toBe(true);
    expect(await repo.deleteContact('d-forget', 'email')).toBe(false);
    expect(await repo.activeEndpoints('d-forget', 'email')).toEqual([]);
    expect(await repo.activeEndpoints('d-forget', 'sms')).toHaveLength(1);
    expect(await repo.activeEndpoints('d-keep', 'email')).toEqual([{ channel: 'email', address: 'f@example.com' }]);
  });

  it("delete only the user's own endpoint", async () => {
    await addUser('d-del');
    await addUser('d-other');
    const repo = endpoints();
    await repo.put('d-del', { channel: 'push', platform: 'ios', token: 'tok-del' }, T0);
    expect(await repo.delete('d-other', 'push', 'tok-del')).toBe(false);
    expect(await repo.delete('d-del', 'push', 'tok-del')).toBe(true);
    expect(await repo.delete('d-del', 'push', 'tok-del')).toBe(false);
    expect(await repo.device('tok-del')).toBeNull();
  });

  it('list every endpoint of a user with its state', async () => {
    await addUser('d-all');
    const repo = endpoints();
    await repo.put('d-all', { channel: 'push', platform: 'ios', token: 'tok-all' }, T0);
    await repo.put('d-all', { channel: 'sms', phone: '+15550000000' }, addMs(T0, durationMs(5)));
    await repo.deactivateToken('tok-all', 'BadDeviceToken', addMs(T0, durationMs(10)));
    expect(await repo.list('d-all')).toEqual([
      {
        endpoint: { channel: 'push', platform: 'ios', token: 'tok-all' },
        active: false,
        lastError: 'BadDeviceToken',
        deactivatedAt: T0 + 10,
        updatedAt: T0 + 10,
      },
      { endpoint: { channel: 'sms', phone: '+15550000000' }, active: true, updatedAt: T0 + 5 },
    ]);
  });

  it('refuse an endpoint for a user without a profile', async () => {
    await expect(
      endpoints().put('d-unknown', { channel: 'push', platform: 'ios', token: 'tok-orphan' }, T0),
    ).rejects.toBeInstanceOf(UnknownUserError);
  });
});
