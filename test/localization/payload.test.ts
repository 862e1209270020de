import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitPushPayload, PayloadTooLargeError } from '../../localization';
import { graphemes } from '../../localization/graphemes';
import { jsonStringCost } from '../../localization/payload';
import { FSI, PDI } from './support';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const FAMILY = '👨‍👩‍👧‍👦';
const FLAG = '🇧🇷';
const THUMB = '👍🏽';

function apns(title: string, body: string, extra: Record<string, string> = {}) {
  return { aps: { alert: { title, body }, 'mutable-content': 1 }, nid: 'notif-123', ...extra };
}

/** `text` is the original, or a grapheme-boundary prefix of it (trailing spaces trimmed) plus an ellipsis. */
function isShortenedFrom(text: string, original: string): boolean {
  if (text === original) return true;
  if (!text.endsWith('…')) return false;
  const prefix = text.slice(0, -1);
  let acc = '';
  for (const g of ['', ...graphemes(original)]) {
    acc += g;
    if (acc === prefix || acc.trimEnd() === prefix) return true;
  }
  return false;
}

describe('fitPushPayload', () => {
  it('returns a payload that already fits as is (same object)', () => {
    const payload = apns('Hi', 'Short body');
    expect(fitPushPayload(payload)).toBe(payload);
  });

  it('shortens the body to fit 4 KB exactly-enough, keeps JSON valid and leaves the input untouched', () => {
    const body = 'word '.repeat(2000);
    const payload = apns('Title', body);
    const out = fitPushPayload(payload);
    expect(bytes(out)).toBeLessThanOrEqual(4096);
    expect(bytes(out)).toBeGreaterThan(4096 - 10); // cut just enough, not more
    expect(out.aps.alert.title).toBe('Title');
    expect(out.aps.alert.body.endsWith('word…')).toBe(true); // trailing space trimmed before the ellipsis
    expect(isShortenedFrom(out.aps.alert.body, body)).toBe(true);
    expect(payload.aps.alert.body).toBe(body);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('cuts the body first and the title only when the body cannot give enough', () => {
    const out = fitPushPayload(apns('T'.repeat(300), 'B'.repeat(300)), 400);
    expect(out.aps.alert.title).toBe('T'.repeat(300));
    expect(out.aps.alert.body).toMatch(/^B+…$/);
    const both = fitPushPayload(apns('T'.repeat(300), 'B'.repeat(300)), 200);
    expect(both.aps.alert.body).toBe('…');
    expect(both.aps.alert.title).toMatch(/^T+…$/);
    expect(bytes(both)).toBeLessThanOrEqual(200);
  });

  it('never splits ZWJ families, flags, skin tones or surrogate pairs', () => {
    for (const unit of [FAMILY, FLAG, THUMB, '𝒜', 'e\u0301']) {
      const body = unit.repeat(2000); // over 4 KB for every unit
      for (const limit of [300, 301, 302, 303, 1000, 4096]) {
        const out = fitPushPayload(apns('t', body), limit);
        expect(bytes(out)).toBeLessThanOrEqual(limit);
        const kept = out.aps.alert.body.slice(0, -1);
        expect(kept.length % unit.length).toBe(0);
        expect(kept).toBe(unit.repeat(kept.length / unit.length));
      }
    }
  });

  it('shortens RTL text with isolates and keeps the ellipsis at its logical end', () => {
    const body = `${FSI}Dana${PDI} ` + 'انضمت للتو وتنتظر ردك '.repeat(200);
    const out = fitPushPayload(apns('نشاط جديد', body));
    expect(bytes(out)).toBeLessThanOrEqual(4096);
    expect(out.aps.alert.body.startsWith(`${FSI}Dana${PDI} انضمت`)).toBe(true);
    expect(isShortenedFrom(out.aps.alert.body, body)).toBe(true);
  });

  it('accounts for JSON escapes (quotes, backslashes, control characters, lone surrogates)', () => {
    for (const unit of ['"', '\\', '\n\t', '\u0001', '\ud800', 'a"\\\u0007']) {
      const out = fitPushPayload(apns('t', 'x' + unit.repeat(2000)), 512);
      expect(bytes(out)).toBeLessThanOrEqual(512);
      // Cut just enough; whitespace before the ellipsis is trimmed, so all-whitespace runs collapse.
      if (unit.trim() !== '') expect(bytes(out)).toBeGreaterThan(500);
      else expect(out.aps.alert.body).toBe('x…');
    }
  });

  it('handles FCM-shaped payloads with several bodies (longest first) and the APNs string alert', () => {
    const fcm = {
      message: {
        token: 'tok',
        notification: { title: 'Hello', body: 'x'.repeat(3000) },
        android: { notification: { body: 'y'.repeat(2000) } },
        data: { nid: 'n1' },
      },
    };
    const out = fitPushPayload(fcm);
    expect(bytes(out)).toBeLessThanOrEqual(4096);
    expect(out.message.notification.body).toMatch(/^x+…$/);
    expect(out.message.android.notification.body).toBe('y'.repeat(2000));
    const short = fitPushPayload({ aps: { alert: 'z'.repeat(5000) } });
    expect(short.aps.alert).toMatch(/^z+…$/);
    expect(bytes(short)).toBeLessThanOrEqual(4096);
  });

  it('throws PayloadTooLargeError when the rest of the payload alone is too large', () => {
    const payload = apns('title', 'body', { blob: 'd'.repeat(5000) });
    expect(() => fitPushPayload(payload)).toThrow(PayloadTooLargeError);
    expect(() => fitPushPayload(payload)).toThrow(/limit is 4096 bytes/);
    expect(() => fitPushPayload(payload, 0)).toThrow(RangeError);
  });

  it('computes the JSON byte cost of any string like JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (s) => {
        expect(jsonStringCost(s)).toBe(Buffer.byteLength(JSON.stringify(s), 'utf8') - 2);
      }),
      { numRuns: 500 },
    );
  });

  it('property: the output always fits, is valid JSON, and each text is a grapheme prefix of the original + …', () => {
    const special = fc.constantFrom(
      FAMILY,
      FLAG,
      THUMB,
      'e\u0301',
      'שלום',
      'مرحبا',
      FSI,
      PDI,
      ' ',
      '\n',
      '"',
      '\ud83d',
    );
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.array(fc.oneof(special, fc.string({ maxLength: 5 })), { maxLength: 600 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(
        text,
        text,
        text,
        fc.string({ maxLength: 200 }),
        fc.integer({ min: 300, max: 4096 }),
        (title, body, androidBody, extra, limit) => {
          const payload = {
            aps: { alert: { title, body } },
            android: { notification: { body: androidBody } },
            data: { nid: 'n', extra },
          };
          let out: typeof payload;
          try {
            out = fitPushPayload(payload, limit);
          } catch (error) {
            // Only legitimate when even "…" everywhere cannot fit.
            expect(error).toBeInstanceOf(PayloadTooLargeError);
            const minimal = {
              ...payload,
              aps: { alert: { title: '…', body: '…' } },
              android: { notification: { body: '…' } },
            };
            expect(bytes(minimal)).toBeGreaterThan(limit);
            return;
          }
          expect(bytes(out)).toBeLessThanOrEqual(limit);
          expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse(JSON.stringify(out)));
          expect(isShortenedFrom(out.aps.alert.title, title)).toBe(true);
          expect(isShortenedFrom(out.aps.alert.body, body)).toBe(true);
          expect(isShortenedFrom(out.android.notification.body, androidBody)).toBe(true);
          expect(out.data).toEqual(payload.data);
          // Titles give way only after every body is down to the ellipsis.
          if (out.aps.alert.title !== title) {
            for (const b of [out.aps.alert.body, out.android.notification.body])
              expect(b.length).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
