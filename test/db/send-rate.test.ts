// The global send rate's token buckets on a real database (PostgreSQL with DATABASE_URL, else PGlite).
import { describe, expect, it } from 'vitest';
import { SendRateRepository } from '../../db/send-rate';
import { createSendRate, sendRateLimitsFromEnv } from '../../activities/delivery/send-rate';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { addMs, durationMs, minutes } from '../../domain/units';

const T0 = utc(2025, 5, 2, 12, 0);
const LIMIT = { ratePerSecond: 10, capacity: 10, criticalReserve: 0.2 };

describe('send rate buckets', () => {
  const db = useTestDatabase();
  const buckets = () => new SendRateRepository(db().pool);

  it('grants the capacity, keeps the reserve for critical sends, and refills at the rate', async () => {
    const take = (critical: boolean, at = T0) => buckets().take('fcm', LIMIT, critical, at);
    const normal = [];
    for (let i = 0; i < 10; i++) normal.push(await take(false));
    expect(normal.filter((r) => r.taken)).toHaveLength(8);
    expect(normal.at(-1)).toEqual({ taken: false, retryInMs: 100 });
    expect(await take(true)).toEqual({ taken: true });
    expect(await take(true)).toEqual({ taken: true });
    expect(await take(true)).toMatchObject({ taken: false });
    // Half a second later: 5 tokens back; non-critical may use those above the reserve of 2.
    const later = [];
    for (let i = 0; i < 5; i++) later.push(await take(false, addMs(T0, durationMs(500))));
    expect(later.filter((r) => r.taken)).toHaveLength(3);
    // Another provider has its own bucket.
    expect(await buckets().take('apns', LIMIT, false, T0)).toEqual({ taken: true });
  });

  it('never starves critical sends while a campaign saturates the bucket', async () => {
    const limit = { ratePerSecond: 20, capacity: 20, criticalReserve: 0.2 };
    let normal = 0;
    let critical = 0;
    let criticalRefused = 0;
    // 5 s: a non-critical attempt every 20 ms (50/s against a 20/s rate) and a critical one every 200 ms.
    for (let t = 0; t < 5_000; t += 20) {
      const at = addMs(T0, durationMs(60_000 + t));
      if ((await buckets().take('sms', limit, false, at)).taken) normal += 1;
      if (t % 200 === 0) {
        if ((await buckets().take('sms', limit, true, at)).taken) critical += 1;
        else criticalRefused += 1;
      }
    }
    expect(criticalRefused).toBe(0);
    expect(critical).toBe(25);
    // The rate holds overall: capacity + 5 s of refill, shared.
    expect(normal + critical).toBeLessThanOrEqual(20 + 100);
    expect(normal).toBeGreaterThan(70);
  });

  it('waits for a token through createSendRate, and fails retryably past its longest wait', async () => {
    const slept: number[] = [];
    let now = addMs(T0, minutes(2));
    const rate = createSendRate({
      buckets: buckets(),
      limits: { email: { ratePerSecond: 1, capacity: 1, criticalReserve: 0 } },
      now: () => now,
      maxWaitMs: 1_500,
      sleep: async (ms) => {
        slept.push(ms);
        now = addMs(now, durationMs(ms));
      },
    });
    const email = { channel: 'email', address: 'x' } as never;
    await rate.acquire(email, false);
    await rate.acquire(email, false);
    expect(slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_000);
    await rate.acquire({ channel: 'sms' } as never, false); // no limit configured for sms
    const busy = createSendRate({
      buckets: buckets(),
      limits: { email: { ratePerSecond: 0.1, capacity: 1, criticalReserve: 0 } },
      now: () => now,
      maxWaitMs: 1_000,
      sleep: async () => undefined,
    });
    await busy.acquire(email, false).catch(() => undefined);
    await expect(busy.acquire(email, false)).rejects.toThrow(/send rate/);
  });

  it('reads TACT_SEND_RATE and names a bad part', () => {
    expect(sendRateLimitsFromEnv('{"fcm":500,"apns":{"ratePerSecond":300,"criticalReserve":0.3}}')).toEqual({
      fcm: { ratePerSecond: 500 },
      apns: { ratePerSecond: 300, criticalReserve: 0.3 },
    });
    expect(sendRateLimitsFromEnv(undefined)).toEqual({});
    expect(() => sendRateLimitsFromEnv('{"pigeon":1}')).toThrow('TACT_SEND_RATE.pigeon');
    expect(() => sendRateLimitsFromEnv('{"sms":0}')).toThrow('TACT_SEND_RATE.sms: ratePerSecond');
    expect(() => sendRateLimitsFromEnv('nope')).toThrow('must be JSON');
  });
});
