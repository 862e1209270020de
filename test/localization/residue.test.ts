import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getDefaultCatalog, renderNotification, type RenderResult } from '../../localization';
import { CHANNELS } from '../../domain/types';
import { input, PLACEHOLDER_RESIDUE } from './support';

const catalog = getDefaultCatalog();
const LOCALES = ['en', 'de', 'fr', 'es', 'pt', 'pt-BR', 'pt-PT', 'ar', 'ar-EG', 'he', 'iw', 'ja', 'ko', 'de-AT', 'zz'];
const NAMES = ['device', 'when', 'expires_minutes', 'service', 'retry_days', 'friend_name', 'friend_gender'].concat([
  'mutual_count',
  'creator',
  'count',
  'streak_days',
  'deadline',
  'offer',
  'discount',
  'ends_at',
]);
const COMPLETE = {
  device: 'Pixel 9',
  when: Date.UTC(2025, 2, 30, 1, 30), // the night Europe springs forward
  expires_minutes: 30,
  service: 'Pro',
  retry_days: 2,
  friend_name: 'Ana',
  friend_gender: 'female',
  mutual_count: 5,
  creator: 'Lia',
  count: 3,
  streak_days: 12,
  deadline: Date.UTC(2025, 9, 26, 22),
  offer: 'Pro',
  discount: 0.3,
  ends_at: Date.UTC(2025, 11, 31),
};

function texts(result: Extract<RenderResult, { kind: 'ok' }>): string[] {
  return [result.title, result.body, result.subject ?? '', result.html ?? ''];
}

describe('no raw placeholder ever reaches a device', () => {
  it('every template × locale × channel renders completely with all variables, in any zone', () => {
    for (const template of catalog.templateNames()) {
      for (const locale of LOCALES) {
        for (const channel of CHANNELS) {
          for (const timeZone of ['UTC', 'Europe/Lisbon', 'Asia/Kolkata', 'America/St_Johns']) {
            const result = renderNotification(input(template, COMPLETE, locale, { channel, timeZone }));
            if (result.kind !== 'ok') throw new Error(`${template}/${locale}/${channel}: ${result.detail}`);
            for (const text of texts(result)) expect(text, `${template}/${locale}`).not.toMatch(PLACEHOLDER_RESIDUE);
            expect(result.title.trim() && result.body.trim(), `${template}/${locale}`).not.toBe('');
            if (channel === 'email') expect(result.subject && result.html, `${template}/${locale}`).toBeTruthy();
          }
        }
      }
    }
  });

  it('property: for arbitrary (missing, null, junk) variables the result is complete text or template_error', () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.integer({ min: -1e9, max: 1e12 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !/[{}]/.test(s)),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...catalog.templateNames()),
        fc.constantFrom(...LOCALES),
        fc.constantFrom(...CHANNELS),
        fc.dictionary(fc.constantFrom(...NAMES), value),
        fc.boolean(),
        (template, locale, channel, variables, privacyMode) => {
          const result = renderNotification(input(template, variables, locale, { channel, privacyMode }));
          if (result.kind === 'error') {
            expect(result.reason).toBe('template_error');
            expect(privacyMode && channel === 'push').toBe(false); // the lock-screen-safe text never fails
            return;
          }
          for (const text of texts(result)) expect(text).not.toMatch(PLACEHOLDER_RESIDUE);
          expect(result.title.length).toBeGreaterThan(0);
          expect(result.body.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
