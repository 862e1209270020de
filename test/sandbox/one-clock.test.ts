// One clock (docs/product.md §15): the whole product on a time-skipping Temporal server, far ahead of the real date,
// dates events, sends, the outbox, the decision log and the cooldown by the server's clock. Were any of them read
// from the process clock, it would be ~70 years off, and the cooldown after the first send would already be over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/product';
import { TEST_START_MS } from '../support/test-clock';
import { hours, minutes, addMs, epochMs } from '../../domain/units';
import { nth, present } from '../../domain/present';

const MINUTE = minutes(1);
const HOUR = hours(1);
const USER = 'one-clock-user';

interface DecisionsBody {
  decisions: { candidateId: string; outcome: string; channel?: string; at: string; reason?: string }[];
}
interface OutboxBody {
  entries: { userId: string; notificationId: string; createdAt: string }[];
}

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ startAt: TEST_START_MS });
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

async function decisions(): Promise<DecisionsBody['decisions']> {
  const body = await sandbox.api<DecisionsBody>('GET', `/v1/users/${USER}/decisions`);
  return body.decisions;
}

async function settle<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('one clock', () => {
  it("dates events, sends, the outbox, the decision log and the cooldown by the time-skipping server's clock", async () => {
    // The server's clock is at TEST_START_MS (Wed 2099-01-07 09:00 UTC), the process clock decades earlier.
    expect(Math.abs(sandbox.now() - TEST_START_MS)).toBeLessThan(5 * MINUTE);
    await sandbox.api('PUT', `/v1/users/${USER}`, { timeZone: 'UTC', locale: 'en-US' });
    await sandbox.api('PUT', `/v1/users/${USER}/devices/${'a1'.repeat(16)}`, { platform: 'ios' });
    // A transactional event without occurredAt: the API dates it (its default), and it goes at once.
    await sandbox.api('POST', '/v1/events', {
      id: 'pf-1',
      userId: USER,
      type: 'payment_failed',
      properties: { invoiceId: 'inv-1', plan: 'Pro' },
    });
    const first = await settle('the first send', async () => (await decisions()).find((d) => d.outcome === 'sent'));
    const firstAt = epochMs(Date.parse(first.at));
    expect(Math.abs(firstAt - TEST_START_MS)).toBeLessThan(5 * MINUTE);

    // A social candidate that must go before it expires 4.5 h later: the 4 h cooldown after the first send
    // (counted from the server's time of that send) holds it to exactly firstAt + 4 h.
    await sandbox.api('POST', `/v1/users/${USER}/candidates`, {
      id: 'social-1',
      category: 'social',
      template: 'friend_joined',
      variables: { friend_name: 'Ana' },
      ttl: '270m',
      businessValue: 0.9,
    });
    const state = await settle('the planned send', async () => {
      const view = await sandbox.api<{ nextPlannedSend: { at: string; candidateId: string } | null }>(
        'GET',
        `/v1/users/${USER}/state`,
      );
      return view.nextPlannedSend?.candidateId === 'social-1' ? view.nextPlannedSend : undefined;
    });
    expect(Date.parse(state.at)).toBe(firstAt + 4 * HOUR);

    await sandbox.advanceTo(addMs(firstAt, hours(5)));
    const second = await settle('the second send', async () =>
      (await decisions()).find((d) => d.candidateId === 'social-1'),
    );
    expect(second.outcome).toBe('sent');
    expect(Date.parse(second.at)).toBeGreaterThanOrEqual(firstAt + 4 * HOUR);
    expect(Date.parse(second.at)).toBeLessThan(firstAt + 4 * HOUR + 5 * MINUTE);

    // The dry-run outbox dates each message by the server's clock too.
    const outbox = await sandbox.api<OutboxBody>('GET', `/v1/outbox?userId=${USER}`);
    const created = outbox.entries.map((m) => Date.parse(m.createdAt)).sort((a, b) => a - b);
    expect(created).toHaveLength(2);
    expect(Math.abs(nth(created, 0) - firstAt)).toBeLessThan(5 * MINUTE);
    expect(Math.abs(nth(created, 1) - Date.parse(second.at))).toBeLessThan(5 * MINUTE);

    // The event was dated by the API's default (the server's now): its candidate was created then; the delivery
    // ledger dates its rows by the server's clock too.
    const exported = await sandbox.api<{
      stored: {
        decisions: { candidate_id: string; candidate_created_at: string }[];
        delivery_ledger: { notification_id: string; created_at: string }[];
      };
    }>('GET', `/v1/users/${USER}/export`);
    const fromEvent = exported.stored.decisions.find((d) => d.candidate_id === first.candidateId);
    expect(Math.abs(Date.parse(present(fromEvent, 'fromEvent').candidate_created_at) - TEST_START_MS)).toBeLessThan(
      5 * MINUTE,
    );
    const ledger = exported.stored.delivery_ledger.map((row) => Date.parse(row.created_at)).sort((a, b) => a - b);
    expect(ledger).toHaveLength(2);
    expect(Math.abs(nth(ledger, 0) - firstAt)).toBeLessThan(5 * MINUTE);
    expect(Math.abs(nth(ledger, 1) - Date.parse(second.at))).toBeLessThan(5 * MINUTE);
  }, 180_000);
});
