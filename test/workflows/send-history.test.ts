// The send history a fresh user workflow run loads from the decision log (activities/user-settings.ts).
import { describe, expect, it } from 'vitest';
import { createStoredSendHistory, type SentDecisionLog } from '../../activities/user-settings';
import { InMemoryDecisionStore } from '../../activities';
import type { LogPosition, PositionedDecision } from '../../db/decisions';
import type { Decision, EpochMs } from '../../domain/types';
import { hours, subMs } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const NOW = utc(2025, 5, 2, 12, 0);
const HOUR = hours(1);

function sentDecision(i: number, at: EpochMs): Decision {
  return { candidateId: `n${i}`, category: 'social', outcome: { kind: 'sent', channel: 'push', at } };
}

/** A decision log of sends `hours` apart, newest first, paged as DecisionRepository.listBefore pages. */
function pagedLog(count: number, hoursApart: number, receipts: Record<string, Record<string, number>> = {}) {
  const rows: PositionedDecision[] = Array.from({ length: count }, (_, i) => {
    const at = subMs(NOW, hours(i * hoursApart));
    return {
      decision: { ...sentDecision(i, at), receipts: receipts[`n${i}`] ?? {} },
      position: { decidedAt: at, id: String(count - i) },
    };
  });
  const pages: (LogPosition | null)[] = [];
  const log: SentDecisionLog = {
    async listBefore(_userId, { limit, before }) {
      pages.push(before);
      const from = before === null ? 0 : rows.findIndex((r) => r.position.id === before.id) + 1;
      return { entries: rows.slice(from, from + limit), more: from + limit < rows.length };
    },
  };
  return { log, pages };
}

describe('the stored send history', () => {
  it('pages the log newest first until older than `since`, keeping at least `atLeast`, oldest first', async () => {
    // 1,200 sends 10 minutes apart: 7 days is 1,008 of them, three pages of 500.
    const { log, pages } = pagedLog(1_200, 1 / 6);
    const sends = await createStoredSendHistory(log).recentSends('u1', subMs(NOW, hours(7 * 24)), 10);
    expect(sends).toHaveLength(1_008);
    expect(nth(sends, 0).at).toBe(NOW - 1_007 * (HOUR / 6));
    expect(present(sends.at(-1), 'the last of sends').at).toBe(NOW);
    expect(pages).toHaveLength(3);
  });

  it('keeps the last `atLeast` sends whatever their age, with their receipts', async () => {
    const { log } = pagedLog(30, 24 * 10, { n1: { opened: NOW - 239 * HOUR }, n2: { converted: NOW - 479 * HOUR } });
    const sends = await createStoredSendHistory(log).recentSends('u1', subMs(NOW, hours(7 * 24)), 3);
    expect(sends.map((s) => s.candidateId)).toEqual(['n2', 'n1', 'n0']);
    expect(sends[0]).toMatchObject({ openedAt: NOW - 479 * HOUR, convertedAt: NOW - 479 * HOUR });
    expect(sends[1]).toMatchObject({ openedAt: NOW - 239 * HOUR });
  });

  it('is what the in-memory decision log gives too', async () => {
    const store = new InMemoryDecisionStore();
    await store.recordDecisions('u1', [
      sentDecision(0, subMs(NOW, hours(9 * 24))),
      sentDecision(1, subMs(NOW, hours(8 * 24))),
      { candidateId: 'x', category: 'social', outcome: { kind: 'suppressed', reason: 'expired', at: NOW } },
      sentDecision(2, subMs(NOW, HOUR)),
    ]);
    const sends = await store.recentSends('u1', subMs(NOW, hours(7 * 24)), 2);
    expect(sends.map((s) => s.candidateId)).toEqual(['n1', 'n2']);
  });
});
