import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../domain/config';
import { checkAtSend } from '../../domain/send-check';
import type { Preferences } from '../../domain/types';
import { NO_PREFS, candidate } from './simulator';
import { utc } from '../support/instants';
import { durationMs, subMs } from '../../domain/units';

const PARIS = 'Europe/Paris';
/** An instant at a Paris wall time in June (UTC+2). */
const parisJune = (day: number, h: number, m = 0) => utc(2024, 5, day, h - 2, m);
const prefs = (p: Partial<Preferences>): Preferences => ({ ...NO_PREFS, ...p });

describe('the check at send time', () => {
  it('sends outside quiet hours on the planned channels', () => {
    const c = candidate('marketing', parisJune(3, 10));
    expect(checkAtSend(c, ['email', 'push'], NO_PREFS, PARIS, parisJune(3, 21, 59), DEFAULT_POLICY)).toEqual({
      kind: 'send',
      channels: ['email', 'push'],
    });
  });

  it('drops a candidate that expired by the time it is delivered (planned just before its expiry), critical too', () => {
    const expiresAt = parisJune(3, 12, 30);
    for (const category of ['social', 'security'] as const) {
      const c = candidate(category, parisJune(3, 10), { expiresAt });
      expect(checkAtSend(c, ['push'], NO_PREFS, PARIS, subMs(expiresAt, durationMs(1)), DEFAULT_POLICY).kind).toBe(
        'send',
      );
      expect(checkAtSend(c, ['push'], NO_PREFS, PARIS, expiresAt, DEFAULT_POLICY)).toEqual({
        kind: 'drop',
        reason: 'expired',
        detail: 'expired before it could be delivered',
      });
    }
  });

  it('defers a non-critical send inside quiet hours to their end; never a critical one', () => {
    const at = parisJune(3, 22, 5);
    expect(checkAtSend(candidate('account', at), ['push'], NO_PREFS, PARIS, at, DEFAULT_POLICY)).toEqual({
      kind: 'defer',
      until: parisJune(4, 7),
      why: 'quiet hours until 07:00 Europe/Paris',
    });
    expect(checkAtSend(candidate('security', at), ['sms'], NO_PREFS, PARIS, at, DEFAULT_POLICY)).toEqual({
      kind: 'send',
      channels: ['sms'],
    });
  });

  it('drops what the current opt-outs forbid, and narrows the channels to what they allow', () => {
    const at = parisJune(3, 12);
    const c = candidate('marketing', at);
    expect(checkAtSend(c, ['email', 'push'], prefs({ globalOptOut: true }), PARIS, at, DEFAULT_POLICY)).toMatchObject({
      kind: 'drop',
      reason: 'opted_out',
    });
    expect(
      checkAtSend(c, ['email', 'push'], prefs({ optedOutCategories: ['marketing'] }), PARIS, at, DEFAULT_POLICY),
    ).toMatchObject({ kind: 'drop', reason: 'opted_out' });
    expect(
      checkAtSend(c, ['email', 'push'], prefs({ optedOutChannels: ['email'] }), PARIS, at, DEFAULT_POLICY),
    ).toEqual({ kind: 'send', channels: ['push'] });
    // Push alone was planned (email was opted out then): opting out of push now leaves nothing.
    expect(checkAtSend(c, ['push'], prefs({ optedOutChannels: ['push'] }), PARIS, at, DEFAULT_POLICY)).toEqual({
      kind: 'drop',
      reason: 'no_channel',
      detail: 'every planned channel is opted out',
    });
    const security = candidate('security', at);
    expect(checkAtSend(security, ['sms', 'push'], prefs({ globalOptOut: true }), PARIS, at, DEFAULT_POLICY)).toEqual({
      kind: 'send',
      channels: ['sms', 'push'],
    });
  });
});
