// The payload codec as tests and benches run it: fresh random master keys (never a fixed key in the repository),
// per-user keys in the test's database when a pool is given.
import type pg from 'pg';
import type { DataConverter } from '@temporalio/common';
import { tactDataConverter } from '../../codec/data-converter';
import { generateKeyEntry, parseKeyring, type MasterKeyring } from '../../codec/keyring';
import { TactPayloadCodec } from '../../codec/payload-codec';
import { UserKeyRepository } from '../../db/user-keys';

export interface TestCodec {
  keyring: MasterKeyring;
  codec: TactPayloadCodec;
  dataConverter: DataConverter;
}

export function testKeyring(ids: string[] = ['test-1'], activeId?: string): MasterKeyring {
  return parseKeyring(ids.map(generateKeyEntry).join(','), activeId, 'test keyring');
}

export function createTestCodec(options: { pool?: pg.Pool; keyring?: MasterKeyring } = {}): TestCodec {
  const keyring = options.keyring ?? testKeyring();
  const codec = new TactPayloadCodec({
    keyring,
    ...(options.pool ? { userKeys: new UserKeyRepository(options.pool) } : {}),
  });
  return { keyring, codec, dataConverter: tactDataConverter(codec) };
}
