import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from '../../src/visibility/datetime';
import { textTokens } from '../../src/visibility/text-tokens';

describe('parseRfc3339', () => {
  it.each<[string, number]>([
    ['2024-01-02T03:04:05Z', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['2024-01-02T03:04:05.678Z', Date.UTC(2024, 0, 2, 3, 4, 5, 678)],
    ['2024-01-02T03:04:05.1Z', Date.UTC(2024, 0, 2, 3, 4, 5, 100)],
    ['2024-01-02T05:04:05+02:00', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['2024-01-01T20:00:00-08:30', Date.UTC(2024, 0, 2, 4, 30, 0)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['0001-01-01T00:00:00Z', -62_135_596_800_000],
  ])('%s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it('keeps microseconds and drops what is finer, like Temporal’s SQL stores', () => {
    expect(parseRfc3339('2024-01-02T03:04:05.123456789Z')).toBeCloseTo(Date.UTC(2024, 0, 2, 3, 4, 5, 123) + 0.456, 6);
  });

  it.each([
    '2024-01-02',
    '2024-01-02 03:04:05Z',
    '2024-01-02T03:04:05',
    '2024-1-02T03:04:05Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-01-02T24:00:00Z',
    '2024-01-02T03:60:00Z',
    '2024-01-02T03:04:60Z',
    '2024-01-02T03:04:05+24:00',
    '2024-01-02T03:04:05.Z',
    '2024-01-02T03:04:05.1234567890Z',
    'yesterday',
    '',
  ])('rejects %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('round-trips with formatRfc3339 at microsecond precision', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_000 }),
        fc.integer({ min: 0, max: 999 }),
        (ms, micros) => {
          const epochMs = ms + micros / 1000;
          const parsed = parseRfc3339(formatRfc3339(epochMs));
          expect(parsed).toBeDefined();
          expect(Math.abs(parsed! - epochMs)).toBeLessThan(0.0005);
        },
      ),
    );
  });
});

describe('textTokens', () => {
  it.each<[string, string[]]>([
    ['my-business-id-foobar', ['my', 'business', 'id', 'foobar']],
    ['my business id foobar', ['my', 'business', 'id', 'foobar']],
    ['Hello, WORLD!', ['hello', 'world']],
    ['snake_case', ['snake', 'case']],
    ['Crème brûlée', ['creme', 'brulee']],
    ['数据 123', ['数据', '123']],
    ['  -- ', []],
  ])('%j', (text, tokens) => {
    expect(textTokens(text)).toEqual(tokens);
  });
});
