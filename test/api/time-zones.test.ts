// Time zones at the API: any IANA name or alias in, the current IANA name stored and listed.
import { describe, expect, it } from 'vitest';
import { uniqueId, useApiStack } from './support';

const stack = useApiStack({ worker: false });

describe('time zones', () => {
  it('accepts an old alias and stores the current IANA name', async () => {
    for (const [given, stored] of [
      ['Asia/Calcutta', 'Asia/Kolkata'],
      ['Europe/Kiev', 'Europe/Kyiv'],
      ['Asia/Kolkata', 'Asia/Kolkata'],
      ['Etc/UTC', 'UTC'],
    ] as const) {
      const userId = uniqueId('tz');
      const put = await stack().call('PUT', `/v1/users/${userId}`, { json: { timeZone: given, locale: 'en' } });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      expect(put.body.timeZone).toBe(stored);
      const got = await stack().call('GET', `/v1/users/${userId}`);
      expect(got.body.timeZone).toBe(stored);
      expect((await stack().repos.users.get(userId))?.timeZone).toBe(stored);
    }
  });

  it('lists current names and UTC, not the old spellings', async () => {
    const zones = await stack().call('GET', '/v1/reference/time-zones', { key: null });
    expect(zones.status).toBe(200);
    const list = zones.body.timeZones as string[];
    expect(list).toEqual(expect.arrayContaining(['UTC', 'Asia/Kolkata', 'Europe/Kyiv', 'Europe/Paris']));
    expect(list).not.toContain('Asia/Calcutta');
    expect(list).not.toContain('Europe/Kiev');
  });
});
