// The merged decision log (api/decision-log.ts) on a real database, with the workflow's `state` answer given
// directly: the only stand-in is the Temporal boundary. Paging must show every decision exactly once, in the
// documented order, whatever mix of recorded and not-yet-recorded decisions and whatever page size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDecisionLog, type DecisionLogPage, type DecisionLogSources } from '../../api/decision-log';
import { createLogger } from '../../api/logger';
import { WorkflowsUnavailableError, type UserWorkflows } from '../../api/workflow-gateway';
import type { DecisionFilter } from '../../db/decisions';
import { InvalidCursorError } from '../../db/errors';
import { createRepositories } from '../../db/repositories';
import type { Decision, EpochMs } from '../../domain/types';
import type { UserStateView } from '../../workflows/definitions';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { addMs, durationMs, subMs, seconds } from '../../domain/units';
import { nth } from '../../domain/present';

const T0 = utc(2025, 5, 1, 12, 0, 0);
const db = useTestDatabase();

type Live = Decision[] | null | 'down';

/** The Temporal boundary: `state` answers the given recent decisions, no workflow (null), or fails. */
function workflowsAnswering(live: () => Live): UserWorkflows {
  const unused = () => Promise.reject(new Error('not used by the decision log'));
  return {
    sendEvent: unused,
    proposeCandidates: unused,
    enroll: unused,
    appOpened: unused,
    updateProfile: unused,
    updatePreferences: unused,
    devicesChanged: unused,
    notificationEvent: unused,
    ping: unused,
    async state(userId) {
      const answer = live();
      if (answer === 'down') throw new WorkflowsUnavailableError(new Error('connection refused'));
      return answer === null ? null : ({ userId, recentDecisions: answer } as unknown as UserStateView);
    },
  };
}

function sources(live: () => Live): DecisionLogSources {
  const repos = createRepositories(db().pool);
  return {
    decisions: repos.decisions,
    notificationEvents: repos.notificationEvents,
    workflows: workflowsAnswering(live),
    logger: createLogger({ level: 'silent' }),
  };
}

const sent = (candidateId: string, at: EpochMs): Decision => ({
  candidateId,
  category: 'social',
  outcome: { kind: 'sent', channel: 'push', at },
});
const suppressed = (candidateId: string, at: EpochMs, reason: 'opted_out' | 'daily_cap' = 'opted_out'): Decision => ({
  candidateId,
  category: 'reminder',
  outcome: { kind: 'suppressed', reason, at },
});

async function allPages(
  src: DecisionLogSources,
  userId: string,
  limit: number,
  outcome?: DecisionFilter,
): Promise<DecisionLogPage['entries']> {
  const seen: DecisionLogPage['entries'] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await readDecisionLog(src, userId, {
      limit,
      cursor,
      outcome,
    });
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    seen.push(...page.entries);
    cursor = page.nextCursor;
    if (cursor === undefined) return seen;
  }
  throw new Error('paging did not end');
}

describe('the merged decision log', () => {
  it('merges decisions the workflow has not written yet, newest first, marked recorded: false', async () => {
    const { decisions } = createRepositories(db().pool);
    await decisions.recordDecisions('dl-merge', [sent('s1', T0), suppressed('x1', addMs(T0, durationMs(10)))]);
    // The workflow shows its recent decisions, written or not.
    const live = [
      sent('s1', T0),
      suppressed('x1', addMs(T0, durationMs(10))),
      suppressed('x2', addMs(T0, durationMs(20))),
      suppressed('x0', subMs(T0, durationMs(5))),
    ];
    const page = await readDecisionLog(
      sources(() => live),
      'dl-merge',
      { limit: 10 },
    );
    expect(page.liveDecisions).toBe('included');
    expect(page.nextCursor).toBeUndefined();
    expect(page.entries.map((e) => [e.decision.candidateId, e.recorded])).toEqual([
      ['x2', false],
      ['x1', true],
      ['s1', true],
      ['x0', false],
    ]);
    expect(nth(page.entries, 2).decision).toEqual({ ...sent('s1', T0), receipts: {} });
  });

  it('filters the unwritten decisions by the same outcome filter, and gives unwritten sends their receipts', async () => {
    const repos = createRepositories(db().pool);
    await repos.decisions.recordDecisions('dl-filter', [suppressed('f1', T0, 'daily_cap')]);
    await repos.notificationEvents.record('dl-filter', {
      notificationId: 'f4',
      type: 'opened',
      at: addMs(T0, durationMs(50)),
    });
    const live = [
      suppressed('f1', T0, 'daily_cap'),
      suppressed('f2', addMs(T0, durationMs(1)), 'daily_cap'),
      suppressed('f3', addMs(T0, durationMs(2))),
    ];
    live.push(sent('f4', addMs(T0, durationMs(3))));
    const src = sources(() => live);
    const ids = async (outcome: DecisionFilter) =>
      (await readDecisionLog(src, 'dl-filter', { limit: 10, outcome })).entries.map((e) => e.decision.candidateId);
    expect(await ids('daily_cap')).toEqual(['f2', 'f1']);
    expect(await ids('opted_out')).toEqual(['f3']);
    expect(await ids('suppressed')).toEqual(['f3', 'f2', 'f1']);
    expect(await ids('expired')).toEqual([]);
    const sends = await readDecisionLog(src, 'dl-filter', { limit: 10, outcome: 'sent' });
    expect(sends.entries).toEqual([
      {
        decision: { ...sent('f4', addMs(T0, durationMs(3))), receipts: { opened: addMs(T0, durationMs(50)) } },
        recorded: false,
      },
    ]);
  });

  it('answers from the database alone, saying so, when the workflow is absent or Temporal is down', async () => {
    const { decisions } = createRepositories(db().pool);
    await decisions.recordDecisions('dl-alone', [suppressed('a1', T0)]);
    const none = await readDecisionLog(
      sources(() => null),
      'dl-alone',
      { limit: 5 },
    );
    expect(none.liveDecisions).toBe('no_workflow');
    expect(none.entries).toEqual([{ decision: suppressed('a1', T0), recorded: true }]);
    const down = await readDecisionLog(
      sources(() => 'down'),
      'dl-alone',
      { limit: 5 },
    );
    expect(down.liveDecisions).toBe('unavailable');
    expect(down.entries).toEqual(none.entries);
  });

  it('rejects a cursor it did not hand out', async () => {
    const src = sources(() => []);
    for (const cursor of ['bm90LWEtY3Vyc29y', Buffer.from('1.u0123').toString('base64url'), '']) {
      await expect(readDecisionLog(src, 'dl-cursor', { limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    }
  });

  it('pages through any mix of written and unwritten decisions, same-instant ties included, each once', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            slot: fc.nat({ max: 6 }),
            recorded: fc.boolean(),
            kind: fc.constantFrom('sent', 'opted_out', 'daily_cap'),
          }),
          { maxLength: 25 },
        ),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(undefined, 'sent', 'suppressed', 'daily_cap'),
        async (specs, limit, outcome) => {
          const userId = `dl-prop-${run++}`;
          // Few distinct instants, so that many decisions share one.
          const all = specs.map(({ slot, kind }, i) =>
            kind === 'sent'
              ? sent(`c${i}`, addMs(T0, seconds(slot)))
              : suppressed(`c${i}`, addMs(T0, seconds(slot)), kind),
          );
          const written = all.filter((_, i) => nth(specs, i).recorded);
          await createRepositories(db().pool).decisions.recordDecisions(userId, written);
          const seen = await allPages(
            sources(() => all),
            userId,
            limit,
            outcome,
          );
          const wanted = all.filter((d) =>
            outcome === undefined
              ? true
              : outcome === 'sent' || outcome === 'suppressed'
                ? d.outcome.kind === outcome
                : d.outcome.kind === 'suppressed' && d.outcome.reason === outcome,
          );
          const ids = seen.map((e) => e.decision.candidateId);
          expect([...ids].sort()).toEqual(wanted.map((d) => d.candidateId).sort());
          const times = seen.map((e) => e.decision.outcome.at);
          expect(times).toEqual([...times].sort((a, b) => b - a));
          const writtenIds = new Set(written.map((d) => d.candidateId));
          for (const entry of seen) expect(entry.recorded).toBe(writtenIds.has(entry.decision.candidateId));
        },
      ),
      { numRuns: 40 },
    );
  });
});
