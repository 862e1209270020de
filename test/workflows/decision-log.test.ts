// When buffered decisions must be written before the workflow sleeps: never later than the bound.
import { describe, expect, it } from 'vitest';
import type { Decision, EpochMs } from '../../domain/types';
import { MAX_UNRECORDED_DECISIONS, mustRecordBeforeSleep } from '../../workflows/decision-log';
import { hours, addMs, durationMs, subMs, plusMs } from '../../domain/units';
import { utc } from '../support/instants';

const NOW = utc(2025, 5, 2, 10, 0);
const HOUR = hours(1);
const DELAY = hours(6);

function buffered(count: number, since: EpochMs): { unrecorded: Decision[]; unrecordedSince: EpochMs } {
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
    expect(mustRecordBeforeSleep(buffered(3, subMs(NOW, HOUR)), NOW, addMs(NOW, hours(5)), DELAY)).toBe(false);
    expect(
      mustRecordBeforeSleep(buffered(3, subMs(NOW, HOUR)), NOW, addMs(NOW, plusMs(hours(5), durationMs(1))), DELAY),
    ).toBe(true);
  });

  it('writes them before a sleep that only a signal would end, or once the deadline has come', () => {
    expect(mustRecordBeforeSleep(buffered(1, NOW), NOW, null, DELAY)).toBe(true);
    expect(mustRecordBeforeSleep(buffered(1, subMs(NOW, DELAY)), NOW, addMs(NOW, durationMs(1)), DELAY)).toBe(true);
  });

  it('writes a full buffer even when a send is near', () => {
    expect(mustRecordBeforeSleep(buffered(MAX_UNRECORDED_DECISIONS, NOW), NOW, addMs(NOW, durationMs(1)), DELAY)).toBe(
      true,
    );
    expect(
      mustRecordBeforeSleep(buffered(MAX_UNRECORDED_DECISIONS - 1, NOW), NOW, addMs(NOW, durationMs(1)), DELAY),
    ).toBe(false);
  });
});
