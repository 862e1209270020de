// Payload encryption through the real product path: API → Temporal → worker → activities, every client and worker
// with the codec. A raw client (no codec) reading the history sees no plaintext; the codec decodes it; rotated keys
// keep old histories readable.
import { describe, expect, it } from 'vitest';
import { TactPayloadCodec, UnknownKeyError } from '../../codec/payload-codec';
import { UserKeyRepository } from '../../db/user-keys';
import { userWorkflowId } from '../../workflows/definitions';
import { eventually, uniqueId, useApiStack } from '../api/support';
import { testKeyring } from '../support/codec';
import { encodingOf, historyText, payloadsOf } from './history-payloads';
import { nth, present } from '../../domain/present';

const stack = useApiStack({ worker: true });

async function userWithSentAlert(marker: string): Promise<string> {
  const userId = uniqueId('enc');
  expect((await stack().call('PUT', `/v1/users/${userId}`, { json: { timeZone: 'UTC', locale: 'en' } })).status).toBe(
    201,
  );
  await stack().call('PUT', `/v1/users/${userId}/devices/${'cd34'.repeat(16)}`, { json: { platform: 'ios' } });
  const sent = await stack().call('POST', '/v1/events', {
    json: { id: 'evt-enc', userId, type: 'login_new_device', properties: { deviceId: 'd1', deviceName: marker } },
  });
  expect(sent.status).toBe(202);
  await eventually('the alert sent', async () => {
    const page = await stack().call('GET', `/v1/users/${userId}/decisions`);
    return page.body.decisions?.some((d: { outcome: string; recorded: boolean }) => d.outcome === 'sent' && d.recorded)
      ? true
      : undefined;
  });
  return userId;
}

describe('payload encryption', () => {
  it('a raw client sees no plaintext property in the history; the codec decodes every payload', async () => {
    const marker = `Marker-${uniqueId('plain')}`;
    const userId = await userWithSentAlert(marker);
    const history = await stack().env.client.workflow.getHandle(userWorkflowId(userId)).fetchHistory();

    expect(historyText(history)).not.toContain(marker);
    const payloads = payloadsOf(history);
    // Search attributes are plain by design (no PII); patch markers are written by the SDK's core, outside the data
    // converter, and hold only the patch id (docs/workflow-changes.md).
    const sealed = payloads.filter(({ path }) => !path.includes('searchAttributes') && !path.includes('patch-data'));
    expect(sealed.length).toBeGreaterThan(5);
    expect(sealed.filter(({ payload }) => encodingOf(payload) !== 'binary/encrypted').map(({ path }) => path)).toEqual(
      [],
    );

    const decoded = await stack().codec.codec.decode(sealed.map(({ payload }) => payload));
    const texts = decoded.map((payload) => Buffer.from(payload.data ?? []).toString('utf8'));
    expect(texts.some((text) => text.includes(marker))).toBe(true);
    expect(decoded.every((payload) => encodingOf(payload) !== 'binary/encrypted')).toBe(true);
    // The user's payloads are sealed with their own key, not the master key.
    const keyIds = new Set(
      sealed.map(({ payload }) =>
        Buffer.from(
          present(
            present(payload.metadata, 'payload.metadata')['encryption-key-id'],
            "payload.metadata['encryption-key-id']",
          ),
        ).toString(),
      ),
    );
    const userKey = await new UserKeyRepository(stack().db.pool).findByUser(userId);
    expect(keyIds).toEqual(new Set([`u:${present(userKey, 'userKey').keyId}`]));
  });

  it('after a master-key rotation, old histories stay readable and new payloads use the new key', async () => {
    const userId = await userWithSentAlert(`Marker-${uniqueId('rot')}`);
    const history = await stack().env.client.workflow.getHandle(userWorkflowId(userId)).fetchHistory();
    const sealed = payloadsOf(history)
      .filter(({ path }) => !path.includes('searchAttributes'))
      .map(({ payload }) => payload);
    const old = stack().codec.keyring;
    const rotatedRing = testKeyring(['test-2']);
    const rotated = new TactPayloadCodec({
      keyring: { activeId: 'test-2', keys: new Map([...rotatedRing.keys, ...old.keys]) },
      userKeys: new UserKeyRepository(stack().db.pool),
    });
    const decoded = await rotated.decode(sealed);
    expect(decoded).toEqual(await stack().codec.codec.decode(sealed));

    const fresh = await rotated.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('1') }]);
    expect(
      Buffer.from(
        present(
          present(nth(fresh, 0).metadata, 'fresh[0].metadata')['encryption-key-id'],
          "fresh[0].metadata['encryption-key-id']",
        ),
      ).toString(),
    ).toBe('m:test-2');
    // A process that was not given the new key cannot read what it sealed, and says which key is missing.
    await expect(stack().codec.codec.decode(fresh)).rejects.toThrow(UnknownKeyError);
    await expect(stack().codec.codec.decode(fresh)).rejects.toThrow(/test-2/);
    // Dropping the old key breaks the old history: the key id in each payload is what decoding follows.
    const withoutOld = new TactPayloadCodec({ keyring: rotatedRing, userKeys: new UserKeyRepository(stack().db.pool) });
    await expect(withoutOld.decode(sealed)).rejects.toThrow(/test-1/);
  });
});
