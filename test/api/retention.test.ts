// Accepted event ids are forgotten after the retention window, by a periodic run in the API role.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger';
import { DEFAULT_EVENT_ID_RETENTION_MS, parseRetentionHours, startEventIdPruning } from '../../api/retention';
import { AcceptedEventRepository } from '../../db/events-accepted';
import { useTestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';
import { hours, addMs, subMs } from '../../domain/units';
import type { EpochMs } from '../../domain/types';
import { wallClock } from '../../clock';

const db = useTestDatabase();
const HOUR = hours(1);
const silent = createLogger({ level: 'silent' });

async function applied(repo: AcceptedEventRepository, userId: string, eventId: string, at: EpochMs): Promise<void> {
  const { claim } = await repo.claim(userId, eventId, { now: at });
  await repo.markApplied([{ userId, eventId }], claim, at);
}

describe('event id retention', () => {
  it('drops ids older than the retention on start and on every interval, keeping newer ones', async () => {
    const repo = new AcceptedEventRepository(db().pool);
    const now = wallClock();
    await applied(repo, 'ret-user', 'old', subMs(now, hours(73)));
    await applied(repo, 'ret-user', 'recent', subMs(now, hours(71)));
    let clock = now;
    const pruning = startEventIdPruning({ acceptedEvents: repo, logger: silent, intervalMs: 50, now: () => clock });
    try {
      await waitFor('the first run to drop the old id', async () =>
        (await repo.claim('ret-user', 'old', { now })).outcomes[0] === 'claimed' ? true : undefined,
      );
      expect((await repo.claim('ret-user', 'recent', { now })).outcomes).toEqual(['applied']);
      // Two hours later, a later tick drops the other one too.
      clock = addMs(now, hours(2));
      await waitFor('a later run to drop the recent id', async () =>
        (await repo.claim('ret-user', 'recent', { now })).outcomes[0] === 'claimed' ? true : undefined,
      );
    } finally {
      await pruning.stop();
    }
  });

  it('logs a failed run and runs again at the next interval', async () => {
    let calls = 0;
    const pruning = startEventIdPruning({
      acceptedEvents: {
        prune: async () => {
          calls += 1;
          if (calls === 1) throw new Error('database down');
          return 3;
        },
      },
      logger: silent,
      intervalMs: 30,
    });
    try {
      await waitFor('a second run', async () => (calls >= 2 ? true : undefined));
      expect(await pruning.runOnce()).toBe(3);
    } finally {
      await pruning.stop();
    }
  });

  it('reads TACT_EVENT_ID_RETENTION_HOURS, default 72 h', () => {
    expect(parseRetentionHours(undefined)).toBe(DEFAULT_EVENT_ID_RETENTION_MS);
    expect(DEFAULT_EVENT_ID_RETENTION_MS).toBe(72 * HOUR);
    expect(parseRetentionHours('24')).toBe(24 * HOUR);
    expect(() => parseRetentionHours('-1')).toThrow(/positive number of hours, got "-1"/);
    expect(() => parseRetentionHours('a day')).toThrow(/TACT_EVENT_ID_RETENTION_HOURS/);
  });
});
