// When buffered decisions must be written before the workflow sleeps: never later than the bound.
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../domain/types';
import { MAX_UNRECORDED_DECISIONS, mustRecordBeforeSleep } from '../../workflows/decision-log';

const NOW = Date.UTC(2025, 5, 2, 10, 0);
const HOUR = 3_600_000;
const DELAY = 6 * HOUR;

function buffered(count: number, since: number): { unrecorded: Decision[]; unrecordedSince: number } {
  const unrecorded = Array.from({ length: count }, (_, i) => ({
    candidateId: `c${i}`,
    category: 'content' as const,
    outcome: { kind: 'suppressed' as const, reason: 'duplicate' as const, at: since },
  }));
  return { unrecorded, unrecordedSince: since };
}

describe('mustRecordBeforeSleep', () => {
  it('has nothing to write for an empty buffer', () => {
    expect(mustRecordBeforeSleep({ unrecorded: [] }, NOW, null, DELAY)).toBe(false);
  });

  it('lets decisions wait for a wake-up (a send, or another look) that comes before their deadline', () => {
    expect(mustRecordBeforeSleep(buffered(3, NOW - HOUR), NOW, NOW + 5 * HOUR, DELAY)).toBe(false);
    expect(mustRecordBeforeSleep(buffered(3, NOW - HOUR), NOW, NOW + 5 * HOUR + 1, DELAY)).toBe(true);
  });

  it('writes them before a sleep that only a signal would end, or once the deadline has come', () => {
    expect(mustRecordBeforeSleep(buffered(1, NOW), NOW, null, DELAY)).toBe(true);
    expect(mustRecordBeforeSleep(buffered(1, NOW - DELAY), NOW, NOW + 1, DELAY)).toBe(true);
  });

  it('writes a full buffer even when a send is near', () => {
    expect(mustRecordBeforeSleep(buffered(MAX_UNRECORDED_DECISIONS, NOW), NOW, NOW + 1, DELAY)).toBe(true);
    expect(mustRecordBeforeSleep(buffered(MAX_UNRECORDED_DECISIONS - 1, NOW), NOW, NOW + 1, DELAY)).toBe(false);
  });
});
