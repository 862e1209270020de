// A worker process SIGKILLed mid-journey and started again loses nothing: the worker is a real child process
// (`workers/main.ts`) on a PostgreSQL cluster of the test's own and a time-skipping Temporal test server, so the new
// process rebuilds the user workflow and the journey run from their histories. The run resumes where it waited, an event
// sent while no worker ran reaches it, and a reminder queued across a kill is sent exactly once. Sends are counted at a
// wire-level APNs server and in the delivery ledger, outcomes in the decision log and the journeys table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TactUserClient } from '../../api/user-client';
import { wallClock } from '../../clock';
import { nextLocalTime } from '../../domain';
import { inHoldout } from '../../domain/experiments';
import { minuteOfDay, addMs, hours, days, plusMs } from '../../domain/units';
import type { JourneyRunView } from '../../journeys/definitions';
import type { UserStateView } from '../../workflows/definitions';
import { loadVersionedConfig } from '../../workers/config';
import { uniqueId } from '../api/support';
import { startFakeApns, type FakeApns } from '../delivery/servers/apns';
import { apnsEnv, iosToken } from '../runtime/support';
import { startDrillStack, type DrillStack } from '../support/drill-stack';
import { TEST_START_MS } from '../support/test-clock';
import { waitFor } from '../support/wait';
import { DAY, HOUR, MINUTE, userEvent } from '../workflows/support/events';
import { runIdOf, runView } from './support';
import type { EpochMs } from '../../domain/types';

let stack: DrillStack;
let apns: FakeApns;
let apnsConfig: ReturnType<typeof apnsEnv>;
let users: TactUserClient;

beforeAll(async () => {
  apns = await startFakeApns();
  apnsConfig = apnsEnv(apns);
  stack = await startDrillStack('tact-journey-kill', apnsConfig.env, { startAt: TEST_START_MS });
  users = new TactUserClient(stack.client, { taskQueue: stack.taskQueue });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await apns?.close();
  apnsConfig?.cleanup();
}, 120_000);

/** Kills the worker process outright (no shutdown) and starts a new one. */
async function killAndRestart(): Promise<void> {
  await stack.worker.kill('SIGKILL');
  await stack.worker.start();
}

/**
 * A user id the worker's catalog does not hold out: the default catalog keeps 5 % of users from every non-critical
 * notification (docs/measurement.md), so a random id would see its reminders suppressed `holdout` one time in twenty.
 */
function sentToUser(prefix: string): string {
  const { holdout } = loadVersionedConfig({}).versioned.policy;
  for (;;) {
    const userId = uniqueId(prefix);
    if (!inHoldout(userId, holdout)) return userId;
  }
}

/** A user with one iPhone in `timeZone`, stored as the API stores them; returns the device token. */
async function createUser(userId: string, timeZone: string, seed: number): Promise<string> {
  expect((await stack.call('PUT', `/v1/users/${userId}`, { timeZone, locale: 'en' })).status).toBe(201);
  const token = iosToken(seed);
  expect((await stack.call('PUT', `/v1/users/${userId}/devices/${token}`, { platform: 'ios' })).status).toBe(201);
  return token;
}

async function moveTo(timeZone: string, minute: number): Promise<EpochMs> {
  const at = nextLocalTime(await stack.now(), timeZone, minuteOfDay(minute));
  await stack.sleepUntil(at);
  return at;
}

/**
 * Asks with a short deadline: a query goes to the worker that last ran the workflow (its sticky queue) and, that process
 * being dead, would wait for the server's query timeout; asked again, it reaches the new worker once that one ran it.
 */
const quickly = <T>(ask: () => Promise<T>) => stack.client.withDeadline(wallClock() + 5_000, ask);

async function waitForRun(runId: string, ready: (view: JourneyRunView) => boolean, what: string) {
  let last: JourneyRunView | undefined;
  return waitFor(
    what,
    async () => {
      last = await quickly(() => runView(stack.client, runId)).catch(() => undefined);
      return last && ready(last) ? last : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, describe: () => `${JSON.stringify(last)}\n${stack.worker.output()}` },
  );
}

async function waitForState(userId: string, ready: (state: UserStateView) => boolean, what: string) {
  let last: UserStateView | null = null;
  return waitFor(
    what,
    async () => {
      last = await quickly(() => users.state(userId)).catch(() => null);
      return last && ready(last) ? last : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, describe: () => `${JSON.stringify(last)}\n${stack.worker.output()}` },
  );
}

/** The run's end reason (its result: the test environment's client skips time while it waits). */
const endOf = async (runId: string) => (await stack.client.workflow.getHandle(runId).result()) as string;

/** Per notification of the user: its outcome in the decision log and its delivery ledger row. */
async function recorded(userId: string) {
  const decisions = await stack.db.pool.query<{ candidate_id: string; outcome: string }>(
    'SELECT candidate_id, outcome FROM decisions WHERE user_id = $1 ORDER BY decided_at, candidate_id',
    [userId],
  );
  const ledger = await stack.db.pool.query<{ notification_id: string; status: string; send_attempts: number }>(
    'SELECT notification_id, status, send_attempts FROM delivery_ledger WHERE user_id = $1 ORDER BY notification_id',
    [userId],
  );
  const runs = await stack.db.pool.query<{ run_id: string; end_reason: string | null }>(
    'SELECT run_id, end_reason FROM journey_runs WHERE user_id = $1',
    [userId],
  );
  return {
    decisions: decisions.rows.map((d) => [d.candidate_id, d.outcome]),
    ledger: ledger.rows.map((l) => [l.notification_id, l.status, l.send_attempts]),
    runs: runs.rows.map((r) => [r.run_id, r.end_reason]),
  };
}

describe('journeys across a worker process SIGKILL', () => {
  // One worker process for two users' runs, killed twice: while both runs wait (the trial's event is signalled while no
  // worker runs) and again while the cart's first reminder is queued for quiet hours to end.
  it('cart and trial: nothing lost, every message sent exactly once, the trial event taken', async () => {
    const cartUser = sentToUser('cart-kill');
    const trialUser = sentToUser('trial-kill');
    const cartToken = await createUser(cartUser, 'Europe/Paris', 1);
    const trialToken = await createUser(trialUser, 'America/New_York', 2);
    const start = await moveTo('Europe/Paris', 21 * 60 + 30); // 15:30 in New York
    await users.enroll(cartUser, {
      journey: 'cart_abandonment',
      source: 'api',
      data: { itemCount: 1, topItem: 'Hat' },
    });
    await users.enroll(trialUser, { journey: 'trial_expiry', source: 'api', data: { trialEndsAt: start + 5 * DAY } });
    const cartRun = runIdOf(cartUser, 'cart_abandonment');
    const trialRun = runIdOf(trialUser, 'trial_expiry');
    await waitForRun(cartRun, (v) => v.step === 'waiting for purchase (1 h)', 'the cart’s first wait');
    await waitForRun(trialRun, (v) => v.step === 'day 1: waiting for data connection', 'the trial’s day-1 wait');

    // Both runs mid-wait: their timers and their users' state are only in their histories now.
    await stack.worker.kill('SIGKILL');
    await users.sendEvent(userEvent(trialUser, 'data_connected', {}, addMs(start, HOUR)));
    await stack.worker.start();
    await waitForRun(trialRun, (v) => v.step === 'waiting until 48 h before the trial ends', 'the connection taken');

    await stack.sleepUntil(addMs(start, plusMs(HOUR, MINUTE))); // 22:31 in Paris: the reminder waits in the queue for quiet hours
    await waitForState(cartUser, (s) => s.queue.length === 1, 'the cart reminder queued');
    expect(apns.requestsFor(cartToken)).toEqual([]);

    // With the reminder queued. (The time-skipping server does not move its clock while a task waits for a worker,
    // so the new worker comes first and the morning after.)
    await killAndRestart();
    await stack.sleepUntil(addMs(start, hours(12)));
    const first = await waitForRun(cartRun, (v) => v.outcomes.sent === 1, 'the first reminder’s outcome in the run');
    expect(first.outcomes).toEqual({ sent: 1 });

    await stack.sleepUntil(addMs(start, days(2)));
    expect(await endOf(cartRun)).toBe('completed');
    // Counted at the provider: one request per reminder, each its own notification.
    const requests = apns.requestsFor(cartToken);
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((r) => r.headers['apns-id'])).size).toBe(2);
    expect(await recorded(cartUser)).toEqual({
      decisions: [
        [`${cartRun}#1`, 'sent'],
        [`${cartRun}#2`, 'sent'],
      ],
      ledger: [
        [`${cartRun}#1`, 'sent', 1],
        [`${cartRun}#2`, 'sent', 1],
      ],
      runs: [[cartRun, 'completed']],
    });

    await stack.sleepUntil(addMs(start, days(5)));
    expect(await endOf(trialRun)).toBe('completed');
    // Only the plan message (the run's first and only proposal): no day-1 tip.
    expect(apns.requestsFor(trialToken)).toHaveLength(1);
    expect(await recorded(trialUser)).toEqual({
      decisions: [[`${trialRun}#1`, 'sent']],
      ledger: [[`${trialRun}#1`, 'sent', 1]],
      runs: [[trialRun, 'completed']],
    });
  }, 300_000);
});
