import { describe, expect, it } from 'vitest';
import {
  AmbiguousNotificationError,
  DecisionRepository,
  decodeLogCursor,
  encodeLogCursor,
  LAST_LOG_ID,
  type ProvenanceFilter,
} from '../../db/decisions';
import { InvalidCursorError } from '../../db/errors';
import { NotificationEventRepository } from '../../db/notification-events';
import type { Decision, Provenance, EpochMs } from '../../domain/types';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { addMs, durationMs, seconds } from '../../domain/units';
import { nth, present } from '../../domain/present';

const T0 = utc(2025, 4, 1, 8, 0, 0);
const sent = (candidateId: string, at: EpochMs): Decision => ({
  candidateId,
  category: 'social',
  outcome: { kind: 'sent', channel: 'push', at },
});
/** A sent decision as the log lists it: with its receipts (none yet by default). */
const logged = (decision: Decision, receipts: Record<string, number> = {}) =>
  decision.outcome.kind === 'sent' ? { ...decision, receipts } : decision;
const suppressed = (
  candidateId: string,
  at: EpochMs,
  reason: 'daily_cap' | 'opted_out' | 'expired',
  detail?: string,
): Decision => ({
  candidateId,
  category: 'marketing',
  outcome: { kind: 'suppressed', reason, at, ...(detail === undefined ? {} : { detail }) },
});

describe('decision log', () => {
  const db = useTestDatabase();
  const decisions = () => new DecisionRepository(db().pool);

  it('record each candidate once: a repeated or conflicting outcome keeps the first', async () => {
    const repo = decisions();
    await repo.recordDecisions('dl-idem', [
      sent('c1', T0),
      suppressed('c2', addMs(T0, durationMs(1)), 'daily_cap', 'third today'),
    ]);
    await repo.recordDecisions('dl-idem', [
      sent('c1', T0),
      suppressed('c1', addMs(T0, durationMs(5)), 'opted_out'),
      sent('c3', addMs(T0, durationMs(2))),
    ]);
    await repo.recordDecisions('dl-idem', []);
    expect((await repo.list('dl-idem')).decisions).toEqual([
      logged(sent('c3', addMs(T0, durationMs(2)))),
      suppressed('c2', addMs(T0, durationMs(1)), 'daily_cap', 'third today'),
      logged(sent('c1', T0)),
    ]);
  });

  it('keep users apart: the same candidate id for two users is two rows', async () => {
    const repo = decisions();
    await repo.recordDecisions('dl-a', [sent('shared', T0)]);
    await repo.recordDecisions('dl-b', [suppressed('shared', T0, 'opted_out')]);
    expect((await repo.list('dl-a')).decisions).toEqual([logged(sent('shared', T0))]);
    expect((await repo.list('dl-b')).decisions).toEqual([suppressed('shared', T0, 'opted_out')]);
  });

  it('page newest first with a cursor, ties broken by insertion order, with no gaps or repeats', async () => {
    const repo = decisions();
    const all: Decision[] = [];
    for (let i = 0; i < 23; i++)
      all.push(
        i % 3 === 0
          ? suppressed(`p${i}`, addMs(T0, seconds(Math.floor(i / 2))), 'daily_cap')
          : sent(`p${i}`, addMs(T0, seconds(Math.floor(i / 2)))),
      );
    await repo.recordDecisions('dl-page', all.slice(0, 10));
    await repo.recordDecisions('dl-page', all.slice(10));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.list('dl-page', { limit: 5, cursor });
      seen.push(...page.decisions.map((d) => d.candidateId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBe(5);
    // Same time: the later-recorded row first. Otherwise newest first.
    const expected = all
      .map((d, index) => ({ d, index }))
      .sort((a, b) => b.d.outcome.at - a.d.outcome.at || b.index - a.index)
      .map(({ d }) => d.candidateId);
    expect(seen).toEqual(expected);
  });

  it('order decisions made at the same instant by recording order, numerically', async () => {
    const repo = decisions();
    // Enough rows that their ids cross a power of ten (a text ordering would put "100" before "99").
    const sameInstant = Array.from({ length: 150 }, (_, i) => sent(`same-${i}`, T0));
    await repo.recordDecisions('dl-same', sameInstant);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list('dl-same', { limit: 40, cursor });
      seen.push(...page.decisions.map((d) => d.candidateId));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(sameInstant.map((d) => d.candidateId).reverse());
  });

  it('filter by outcome or by suppression reason, paging within the filter', async () => {
    const repo = decisions();
    await repo.recordDecisions('dl-filter', [
      sent('f1', T0),
      suppressed('f2', addMs(T0, durationMs(1)), 'daily_cap'),
      suppressed('f3', addMs(T0, durationMs(2)), 'opted_out'),
      sent('f4', addMs(T0, durationMs(3))),
      suppressed('f5', addMs(T0, durationMs(4)), 'daily_cap'),
    ]);
    const ids = async (outcome: Parameters<DecisionRepository['list']>[1]) =>
      (await repo.list('dl-filter', outcome)).decisions.map((d) => d.candidateId);
    expect(await ids({ outcome: 'sent' })).toEqual(['f4', 'f1']);
    expect(await ids({ outcome: 'suppressed' })).toEqual(['f5', 'f3', 'f2']);
    expect(await ids({ outcome: 'daily_cap' })).toEqual(['f5', 'f2']);
    expect(await ids({ outcome: 'expired' })).toEqual([]);

    const first = await repo.list('dl-filter', { outcome: 'suppressed', limit: 2 });
    expect(first.decisions.map((d) => d.candidateId)).toEqual(['f5', 'f3']);
    const second = await repo.list('dl-filter', {
      outcome: 'suppressed',
      limit: 2,
      cursor: present(first.nextCursor, 'first.nextCursor'),
    });
    expect(second.decisions.map((d) => d.candidateId)).toEqual(['f2']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('reject a forged cursor, a bad limit and an unknown outcome with clear errors', async () => {
    const repo = decisions();
    for (const cursor of ['not-a-cursor', Buffer.from('1.99999999999999999999').toString('base64url'), '']) {
      await expect(repo.list('dl-x', { cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    }
    await expect(repo.list('dl-x', { limit: 0 })).rejects.toThrow(/limit must be an integer from 1 to 500/);
    await expect(repo.list('dl-x', { limit: 501 })).rejects.toThrow(RangeError);
    await expect(repo.list('dl-x', { outcome: 'maybe' as never })).rejects.toThrow(
      /outcome must be one of: sent, suppressed/,
    );
  });

  it('find the user a sent notification went to, and refuse to guess when the id went to several', async () => {
    const repo = decisions();
    await repo.recordDecisions('dl-owner', [sent('n-42', T0), suppressed('n-43', T0, 'opted_out')]);
    expect(await repo.findSent('n-42')).toEqual({
      userId: 'dl-owner',
      category: 'social',
      channel: 'push',
      sentAt: T0,
    });
    expect(await repo.findSent('n-43')).toBeNull();
    expect(await repo.findSent('n-missing')).toBeNull();

    await repo.recordDecisions('dl-owner-2', [sent('n-42', addMs(T0, durationMs(5)))]);
    await expect(repo.findSent('n-42')).rejects.toBeInstanceOf(AmbiguousNotificationError);
    expect(await repo.findSent('n-42', 'dl-owner-2')).toMatchObject({ userId: 'dl-owner-2', sentAt: T0 + 5 });
    expect(await repo.findSent('n-42', 'dl-owner')).toMatchObject({ userId: 'dl-owner', sentAt: T0 });
    expect(await repo.findSent('n-42', 'dl-nobody')).toBeNull();
  });

  it('list each send with the receipts of that user’s notification, and no receipts on suppressions', async () => {
    const repo = decisions();
    const receipts = new NotificationEventRepository(db().pool);
    await repo.recordDecisions('dl-rc', [
      sent('r1', T0),
      sent('r2', addMs(T0, durationMs(1))),
      suppressed('r3', addMs(T0, durationMs(2)), 'daily_cap'),
    ]);
    await repo.recordDecisions('dl-rc-other', [sent('r1', T0)]);
    await receipts.record('dl-rc', { notificationId: 'r1', type: 'delivered', at: addMs(T0, durationMs(10)) });
    await receipts.record('dl-rc', { notificationId: 'r1', type: 'opened', at: addMs(T0, durationMs(20)) });
    await receipts.record('dl-rc', { notificationId: 'r1', type: 'converted', at: addMs(T0, durationMs(40)) });
    // Another user's notification with the same id, and a receipt naming a suppressed candidate: neither shows.
    await receipts.record('dl-rc-other', { notificationId: 'r1', type: 'engaged', at: addMs(T0, durationMs(30)) });
    await receipts.record('dl-rc', { notificationId: 'r3', type: 'opened', at: addMs(T0, durationMs(50)) });

    expect((await repo.list('dl-rc')).decisions).toEqual([
      suppressed('r3', addMs(T0, durationMs(2)), 'daily_cap'),
      logged(sent('r2', addMs(T0, durationMs(1)))),
      logged(sent('r1', T0), { delivered: T0 + 10, opened: T0 + 20, converted: T0 + 40 }),
    ]);
    expect((await repo.list('dl-rc-other')).decisions).toEqual([logged(sent('r1', T0), { engaged: T0 + 30 })]);
    const page = await repo.list('dl-rc', { outcome: 'sent', limit: 1 });
    expect(page.decisions).toEqual([logged(sent('r2', addMs(T0, durationMs(1))))]);
    expect(
      (await repo.list('dl-rc', { outcome: 'sent', cursor: present(page.nextCursor, 'page.nextCursor') })).decisions,
    ).toEqual([logged(sent('r1', T0), { delivered: T0 + 10, opened: T0 + 20, converted: T0 + 40 })]);
  });

  it('list from a position: every row of the same instant after LAST_LOG_ID, and cursors round-trip', async () => {
    const repo = decisions();
    await repo.recordDecisions('dl-pos', [
      sent('q1', T0),
      suppressed('q2', addMs(T0, durationMs(1)), 'opted_out'),
      sent('q3', addMs(T0, durationMs(1))),
    ]);
    const all = await repo.listBefore('dl-pos', { limit: 10, before: null });
    expect(all.more).toBe(false);
    expect(all.entries.map((e) => e.decision.candidateId)).toEqual(['q3', 'q2', 'q1']);
    const sameInstant = await repo.listBefore('dl-pos', {
      limit: 10,
      before: { decidedAt: addMs(T0, durationMs(1)), id: LAST_LOG_ID },
    });
    expect(sameInstant.entries.map((e) => e.decision.candidateId)).toEqual(['q3', 'q2', 'q1']);
    const afterQ3 = await repo.listBefore('dl-pos', { limit: 1, before: nth(all.entries, 0).position });
    expect(afterQ3).toMatchObject({ more: true, entries: [{ decision: { candidateId: 'q2' } }] });
    const position = nth(all.entries, 1).position;
    expect(decodeLogCursor(encodeLogCursor(position))).toEqual(position);
    expect(decodeLogCursor(encodeLogCursor({ decidedAt: T0, id: LAST_LOG_ID }))).toEqual({
      decidedAt: T0,
      id: LAST_LOG_ID,
    });
  });

  it('tell which candidates of a user are already in the log', async () => {
    const repo = decisions();
    await repo.recordDecisions('dl-among', [sent('a1', T0), suppressed('a2', T0, 'expired')]);
    await repo.recordDecisions('dl-among-other', [sent('a3', T0)]);
    expect(await repo.recordedAmong('dl-among', ['a1', 'a2', 'a3', 'a4', 'a1'])).toEqual(new Set(['a1', 'a2']));
    expect(await repo.recordedAmong('dl-among', [])).toEqual(new Set());
  });

  it('keep provenance and version, and filter by source, source id, template, experiment and variant', async () => {
    const repo = decisions();
    const withProvenance = (id: string, provenance: Provenance): Decision => ({
      ...sent(id, T0),
      provenance,
      configVersion: '0123456789abcdef',
    });
    await repo.recordDecisions('dl-prov', [
      withProvenance('e1:0', { source: 'event', sourceId: 'e1', template: 'friend_joined' }),
      withProvenance('offer-1', {
        source: 'api',
        sourceId: 'campaign-7',
        template: 'promo_available',
        experiment: 'subject_line',
        variant: 'b',
      }),
    ]);
    const ids = async (provenance: ProvenanceFilter) =>
      (await repo.list('dl-prov', { provenance })).decisions.map((d) => d.candidateId);
    expect(await ids({ source: 'api' })).toEqual(['offer-1']);
    expect(await ids({ sourceId: 'e1' })).toEqual(['e1:0']);
    expect(await ids({ template: 'friend_joined' })).toEqual(['e1:0']);
    expect(await ids({ experiment: 'subject_line', variant: 'b' })).toEqual(['offer-1']);
    expect(await ids({ experiment: 'subject_line', variant: 'a' })).toEqual([]);
    expect((await repo.list('dl-prov', { provenance: { source: 'api' } })).decisions[0]).toEqual({
      ...withProvenance('offer-1', {
        source: 'api',
        sourceId: 'campaign-7',
        template: 'promo_available',
        experiment: 'subject_line',
        variant: 'b',
      }),
      receipts: {},
    });
  });
});
