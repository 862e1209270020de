// Data rights through the real stack: export returns everything stored; erasure ends the user's workflow, leaves no
// row holding the user's data (decisions survive only as anonymous counts), shreds the key so the history can no
// longer be decoded, and is idempotent.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ShreddedKeyError, TactPayloadCodec } from '../../codec/payload-codec';
import { USER_TABLES } from '../../db/user-data';
import { UserKeyRepository } from '../../db/user-keys';
import { userWorkflowId } from '../../workflows/definitions';
import type { ErasureResult } from '../../workflows/erasure/definitions';
import { eventually, uniqueId, useApiStack } from '../api/support';
import { historyText, payloadsOf } from './history-payloads';

const stack = useApiStack({ worker: true });

async function populatedUser(marker: string): Promise<{ userId: string; notificationId: string }> {
  const userId = uniqueId('erase');
  const call = (...args: Parameters<ReturnType<typeof stack>['call']>) => stack().call(...args);
  expect(
    (
      await call('PUT', `/v1/users/${userId}`, {
        json: { timeZone: 'UTC', locale: 'en', attributes: { nick: marker } },
      })
    ).status,
  ).toBe(201);
  expect(
    (await call('PUT', `/v1/users/${userId}/endpoints/email`, { json: { address: `${marker}@example.org` } })).status,
  ).toBe(201);
  expect(
    (
      await call('PUT', `/v1/users/${userId}/devices/${randomBytes(32).toString('hex')}`, {
        json: { platform: 'android' },
      })
    ).status,
  ).toBe(201);
  expect(
    (await call('PATCH', `/v1/users/${userId}/preferences`, { json: { optedOutCategories: ['marketing'] } })).status,
  ).toBe(200);
  await call('POST', '/v1/events', {
    json: { id: 'ev-1', userId, type: 'login_new_device', properties: { deviceId: 'd1', deviceName: marker } },
  });
  const sent = await eventually('the alert sent and recorded', async () => {
    const page = await call('GET', `/v1/users/${userId}/decisions`);
    return page.body.decisions?.find((d: { outcome: string; recorded: boolean }) => d.outcome === 'sent' && d.recorded);
  });
  const receipt = await call('POST', `/v1/notifications/${sent.candidateId}/events`, {
    json: { type: 'delivered', userId },
  });
  expect(receipt.status, JSON.stringify(receipt.body)).toBeLessThan(300);
  return { userId, notificationId: sent.candidateId };
}

async function tablesMentioning(needle: string): Promise<string[]> {
  const pool = stack().db.pool;
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const hits: string[] = [];
  for (const { table_name: table } of tables) {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${table}" t WHERE t::text LIKE $1`, [
      `%${needle}%`,
    ]);
    if (rows[0].n > 0) hits.push(table);
  }
  return hits;
}

describe('data rights', () => {
  it('every table with a user_id column is covered by export and erasure', async () => {
    const { rows } = await stack().db.pool.query<{ table_name: string }>(
      `SELECT DISTINCT table_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND column_name = 'user_id'`,
    );
    expect(rows.map((row) => row.table_name).sort()).toEqual(USER_TABLES.filter((t) => t !== 'users').sort());
  });

  it('export returns everything stored about the user, and nothing of anyone else', async () => {
    const marker = `Mark${uniqueId('x').replace(/-/g, '')}`;
    const { userId, notificationId } = await populatedUser(marker);
    const other = await populatedUser(`Other${uniqueId('y').replace(/-/g, '')}`);
    const exported = await stack().call('GET', `/v1/users/${userId}/export`, { key: stack().keys.usersRead });
    expect(exported.status).toBe(200);
    const { stored } = exported.body;
    expect(stored.users).toEqual([expect.objectContaining({ id: userId, attributes: { nick: marker } })]);
    expect(stored.preferences[0].opted_out_categories).toEqual(['marketing']);
    expect(stored.endpoints.map((e: { channel: string }) => e.channel).sort()).toEqual(['email', 'push']);
    expect(stored.endpoints.find((e: { channel: string }) => e.channel === 'email').address).toBe(
      `${marker}@example.org`,
    );
    expect(stored.decisions.map((d: { candidate_id: string }) => d.candidate_id)).toContain(notificationId);
    expect(stored.notification_events).toEqual([
      expect.objectContaining({ notification_id: notificationId, type: 'delivered' }),
    ]);
    expect(stored.outbox.length).toBeGreaterThan(0);
    expect(stored.delivery_ledger.length).toBeGreaterThan(0);
    expect(stored.events_accepted.map((e: { event_id: string }) => e.event_id)).toEqual(['ev-1']);
    expect(exported.body.liveState).toBe('included');
    expect(exported.body.workflowState.userId).toBe(userId);
    expect(JSON.stringify(exported.body)).not.toContain(other.userId);
    // Every table holding this user's data appears in the export.
    const holding = await tablesMentioning(userId);
    expect(holding.filter((table) => table !== 'user_data_keys' && !(stored[table]?.length > 0))).toEqual([]);
    expect((await stack().call('GET', '/v1/users/never-seen/export')).status).toBe(404);
  });

  it('erasure ends the workflow, leaves no row with the user, shreds the key, and repeats harmlessly', async () => {
    const marker = `Mark${uniqueId('z').replace(/-/g, '')}`;
    const { userId } = await populatedUser(marker);
    const pool = stack().db.pool;
    const history = await stack().env.client.workflow.getHandle(userWorkflowId(userId)).fetchHistory();
    const sealed = payloadsOf(history)
      .filter(({ path }) => !path.includes('searchAttributes'))
      .map(({ payload }) => payload);
    expect(historyText(history)).not.toContain(marker);
    await stack().codec.codec.decode(sealed); // readable before
    const { rows: countsBefore } = await pool.query(
      'SELECT coalesce(sum(decisions), 0)::int AS n FROM erased_decision_counts',
    );

    const first = await stack().call('DELETE', `/v1/users/${userId}`, { key: stack().keys.usersWrite });
    const again = await stack().call('DELETE', `/v1/users/${userId}`, { key: stack().keys.usersWrite });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.erasureWorkflowId).toBe(first.body.erasureWorkflowId);
    const result = (await stack().client.workflow.getHandle(first.body.erasureWorkflowId).result()) as ErasureResult;
    expect(result).toMatchObject({ userId, workflowsEnded: 1, keyShredded: true });
    expect(result.decisionsAggregated).toBeGreaterThan(0);

    const description = await stack().client.workflow.getHandle(userWorkflowId(userId)).describe();
    expect(description.status.name).toBe('TERMINATED');
    expect(await tablesMentioning(userId)).toEqual([]);
    expect(await tablesMentioning(marker)).toEqual([]);
    const { rows: countsAfter } = await pool.query(
      'SELECT coalesce(sum(decisions), 0)::int AS n FROM erased_decision_counts',
    );
    expect(countsAfter[0].n - countsBefore[0].n).toBe(result.decisionsAggregated);

    // The history is still in Temporal (until retention) but nobody can decode it any more.
    const fresh = new TactPayloadCodec({ keyring: stack().codec.keyring, userKeys: new UserKeyRepository(pool) });
    await expect(fresh.decode(sealed)).rejects.toThrow(ShreddedKeyError);
    await expect(stack().codec.codec.decode(sealed)).rejects.toThrow(ShreddedKeyError);
    expect((await stack().call('GET', `/v1/users/${userId}/export`)).status).toBe(404);

    // Repeating after it finished runs a new erasure that finds nothing left.
    const late = await stack().call('DELETE', `/v1/users/${userId}`);
    expect(late.status).toBe(202);
    const rerun = (await stack().client.workflow.getHandle(late.body.erasureWorkflowId).result()) as ErasureResult;
    expect(rerun).toMatchObject({ workflowsEnded: 0, keyShredded: false, decisionsAggregated: 0 });
    expect(Object.values(rerun.rowsDeleted).every((n) => n === 0)).toBe(true);
  });
});
