// Fault drills, sized for CI: the worker is a real child process (`workers/main.ts`, with its dispatcher) on a
// PostgreSQL cluster of the test's own; providers are the local wire-level SMS (Twilio shape, replies held 1.5 s after
// the text is taken, so a fault falls between the provider's acceptance and the ledger's record) and APNs servers.
// 1. the worker is SIGKILLed mid-send and restarted; 2. PostgreSQL is stopped mid-send and started again.
// Counted at the providers, per notification: 0 lost; SMS 0 duplicates (the retry finds the text by client
// reference); APNs at most one repeat, with the same apns-id and collapse id (README, delivery guarantees).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../api/support';
import { startFakeApns, type FakeApns } from '../delivery/servers/apns';
import { startFakeSms, type FakeSms } from '../delivery/servers/sms';
import { apnsEnv, iosToken } from '../runtime/support';
import { startDrillStack, type DrillStack } from '../support/drill-stack';
import { waitFor } from '../support/wait';
import { nth } from '../../domain/present';

const USERS_PER_CHANNEL = 8;

let stack: DrillStack;
let sms: FakeSms;
let apns: FakeApns;
let apnsConfig: ReturnType<typeof apnsEnv>;

const call = (method: string, urlPath: string, json?: unknown) => stack.call(method, urlPath, json);

beforeAll(async () => {
  [sms, apns] = await Promise.all([startFakeSms(), startFakeApns()]);
  sms.delayReplies(1_500);
  apnsConfig = apnsEnv(apns);
  stack = await startDrillStack('tact-faults', {
    TACT_DISPATCH_POLL_MS: '100',
    // An outcome whose log write failed (database down) is written with the workflow's next activity: soon, here.
    TACT_DECISION_LOG_DELAY_MS: '1000',
    TACT_SMS_ACCOUNT_SID: sms.accountSid,
    TACT_SMS_AUTH_TOKEN: sms.authToken,
    TACT_SMS_FROM: '+15005550006',
    TACT_SMS_BASE_URL: sms.baseUrl,
    ...apnsConfig.env,
  });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await Promise.all([sms?.close(), apns?.close()]);
  apnsConfig?.cleanup();
}, 120_000);

interface Drill {
  phones: Map<string, string>;
  tokens: Map<string, string>;
  candidates: Map<string, string>;
}

/** Users with only a phone and users with only an iPhone, each sent a password reset (critical: at once, day or night). */
async function sendCriticalEvents(label: string, seed: number): Promise<Drill> {
  const drill: Drill = { phones: new Map(), tokens: new Map(), candidates: new Map() };
  for (let index = 0; index < 2 * USERS_PER_CHANNEL; index += 1) {
    const userId = uniqueId(`${label}${index}`);
    expect((await call('PUT', `/v1/users/${userId}`, { timeZone: 'UTC', locale: 'en' })).status).toBe(201);
    if (index % 2 === 0) {
      const phone = `+3361${String(seed + index).padStart(7, '0')}`;
      expect((await call('PUT', `/v1/users/${userId}/endpoints/sms`, { phone })).status).toBe(201);
      drill.phones.set(userId, phone);
    } else {
      const token = iosToken(seed + index);
      expect((await call('PUT', `/v1/users/${userId}/devices/${token}`, { platform: 'ios' })).status).toBe(201);
      drill.tokens.set(userId, token);
    }
  }
  for (const userId of [...drill.phones.keys(), ...drill.tokens.keys()]) {
    const accepted = await call('POST', '/v1/events', { id: `pw-${label}`, userId, type: 'password_reset' });
    expect(accepted.status).toBe(202);
    drill.candidates.set(userId, accepted.body.candidateIds[0]);
  }
  return drill;
}

const textsTo = (phone: string) => sms.messages.filter((m) => m.to === phone);

/** Waits until every user's notification has its outcome in the decision log, then counts per notification. */
async function expectDeliveredOnce(drill: Drill): Promise<{ apnsRepeats: number }> {
  for (const [userId, candidateId] of drill.candidates) {
    await waitFor(
      `the outcome of ${userId}'s notification`,
      async () => {
        const log = await call('GET', `/v1/users/${userId}/decisions`);
        return log.status === 200 &&
          log.body.decisions.some((d: { candidateId: string }) => d.candidateId === candidateId)
          ? true
          : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, describe: stack.worker.output },
    );
    const log = await call('GET', `/v1/users/${userId}/decisions`);
    const outcomes = log.body.decisions.filter((d: { candidateId: string }) => d.candidateId === candidateId);
    expect(outcomes, `${userId}: one outcome, sent`).toMatchObject([{ outcome: 'sent' }]);
  }
  for (const phone of drill.phones.values()) {
    expect(textsTo(phone), `texts to ${phone}`).toHaveLength(1);
  }
  let apnsRepeats = 0;
  for (const token of drill.tokens.values()) {
    const requests = apns.requestsFor(token);
    expect(requests.length, 'APNs requests per notification').toBeGreaterThanOrEqual(1);
    expect(requests.length, 'APNs requests per notification').toBeLessThanOrEqual(2);
    expect(new Set(requests.map((r) => r.headers['apns-id'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers['apns-collapse-id'])).size).toBe(1);
    apnsRepeats += requests.length - 1;
  }
  return { apnsRepeats };
}

describe('delivery faults', () => {
  it('worker SIGKILLed mid-send and restarted: nothing lost, no second text, APNs repeats carry the same ids', async () => {
    const drill = await sendCriticalEvents('kill', 1_000);
    const phones = [...drill.phones.values()];
    // Some texts taken by the provider, their answers still held: the worker dies before it can record them.
    await waitFor('texts taken by the provider', async () =>
      phones.filter((p) => textsTo(p).length > 0).length >= 2 ? true : undefined,
    );
    await stack.worker.kill('SIGKILL');
    const takenBeforeKill = phones.filter((p) => textsTo(p).length > 0).length;
    const pendingInLedger = await stack.db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM delivery_ledger WHERE status = 'pending'",
    );
    await stack.worker.start();
    const { apnsRepeats } = await expectDeliveredOnce(drill);
    // The drill did what it says: sends were caught between the provider's acceptance and the ledger's record.
    expect(takenBeforeKill).toBeGreaterThanOrEqual(2);
    expect(Number(nth(pendingInLedger.rows, 0).n)).toBeGreaterThanOrEqual(2);
    // Those were settled by the lookup, not by a second text.
    expect(sms.lookups.length).toBeGreaterThanOrEqual(2);
    const { rows } = await stack.db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM delivery_ledger WHERE status = 'sent' AND send_attempts > 1 AND user_id = ANY($1)",
      [[...drill.candidates.keys()]],
    );
    expect(Number(nth(rows, 0).n)).toBeGreaterThanOrEqual(2);
    expect(apnsRepeats).toBeLessThanOrEqual(drill.tokens.size);
  }, 300_000);

  it('PostgreSQL stopped mid-send and started again: nothing lost, no second text, APNs repeats bounded', async () => {
    const drill = await sendCriticalEvents('pgdown', 2_000);
    const phones = [...drill.phones.values()];
    await waitFor('texts taken by the provider', async () =>
      phones.filter((p) => textsTo(p).length > 0).length >= 2 ? true : undefined,
    );
    await stack.pg.stop();
    // The held answers arrive while the database is away: their ledger writes fail and are retried.
    const taken = sms.messages.length;
    await waitFor('the held answers', () => (sms.answered >= taken ? true : undefined), { timeoutMs: 10_000 });
    await stack.pg.start();
    await expectDeliveredOnce(drill);
    expect(stack.worker.running).toBe(true);
  }, 300_000);
});
