import { describe, expect, it } from 'vitest';
import { currentTimeZoneName, currentTimeZoneNames } from '../../domain/time-zone-names';

const cldrOf = (name: string) => new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;

describe('time-zone names', () => {
  it('stores the current IANA name for an old alias, and keeps current names as they are', () => {
    expect(currentTimeZoneName('Asia/Calcutta')).toBe('Asia/Kolkata');
    expect(currentTimeZoneName('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(currentTimeZoneName('Europe/Kiev')).toBe('Europe/Kyiv');
    expect(currentTimeZoneName('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(currentTimeZoneName('US/Eastern')).toBe('America/New_York');
    expect(currentTimeZoneName('Etc/UTC')).toBe('UTC');
    expect(currentTimeZoneName('UTC')).toBe('UTC');
    expect(currentTimeZoneName('Europe/Paris')).toBe('Europe/Paris');
    expect(currentTimeZoneName('Mars/Olympus_Mons')).toBeUndefined();
  });

  it('lists every zone the runtime knows once, by a name the runtime accepts as that same zone, plus UTC', () => {
    const names = currentTimeZoneNames();
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    for (const name of ['Asia/Kolkata', 'Europe/Kyiv', 'UTC', 'America/Argentina/Buenos_Aires']) {
      expect(names).toContain(name);
    }
    for (const old of ['Asia/Calcutta', 'Europe/Kiev', 'America/Buenos_Aires']) expect(names).not.toContain(old);
    // Every listed name is an alias of exactly one runtime zone, and every runtime zone is listed.
    const runtimeZones = Intl.supportedValuesOf('timeZone');
    const covered = new Set(names.filter((n) => n !== 'UTC').map(cldrOf));
    expect([...covered].sort()).toEqual([...runtimeZones].sort());
    for (const name of names) expect(currentTimeZoneName(name)).toBe(name);
  });
});
