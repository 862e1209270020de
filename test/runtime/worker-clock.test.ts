// TACT_CLOCK: the worker process's clock (workers/clock-option.ts). Production leaves it unset: the wall clock.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { wallClock } from '../../clock';
import { workerClock } from '../../workers/clock-option';
import { TEST_START_MS } from '../support/test-clock';

describe('TACT_CLOCK', () => {
  it('is the wall clock when unset or wall', () => {
    expect(workerClock({})).toBe(wallClock);
    expect(workerClock({ TACT_CLOCK: ' wall ' })).toBe(wallClock);
  });

  it('activity-schedule: inside an activity, the time its attempt was scheduled at on the server', async () => {
    const clock = workerClock({ TACT_CLOCK: 'activity-schedule' });
    const env = new MockActivityEnvironment({ currentAttemptScheduledTimestampMs: TEST_START_MS });
    expect(await env.run(async () => clock())).toBe(TEST_START_MS);
  });

  it('refuses anything else, naming the choices', () => {
    expect(() => workerClock({ TACT_CLOCK: 'server' })).toThrow(
      'TACT_CLOCK must be wall (default) or activity-schedule, not "server"',
    );
  });
});
