// The codec of one process, from its configuration, and the one start-up line that says what it does.
import type pg from 'pg';
import { UserKeyRepository } from '../db/user-keys';
import { loadKeyring, type MasterKeyring } from './keyring';
import { TactPayloadCodec } from './payload-codec';

export interface CodecSetup {
  /** Undefined when encryption is off (no keys configured on an external database). */
  codec: TactPayloadCodec | undefined;
  keyring: MasterKeyring | undefined;
  description: string;
}

export function setUpCodec(options: { env: NodeJS.ProcessEnv; pool: pg.Pool; localDataDir?: string }): CodecSetup {
  const source = loadKeyring(options.env, options.localDataDir);
  if (source.kind === 'none') {
    return {
      codec: undefined,
      keyring: undefined,
      description:
        options.env.TACT_CODEC?.trim().toLowerCase() === 'off'
          ? 'Payload encryption: OFF (TACT_CODEC=off): Temporal histories hold plain JSON and erasure cannot shred them'
          : 'Payload encryption: OFF (no TACT_CODEC_KEYS or TACT_CODEC_KEYS_FILE): Temporal histories hold plain JSON and erasure cannot shred them',
    };
  }
  const codec = new TactPayloadCodec({ keyring: source.keyring, userKeys: new UserKeyRepository(options.pool) });
  const where =
    source.kind === 'configured'
      ? `keys from ${source.from === 'TACT_CODEC_KEYS' ? 'TACT_CODEC_KEYS' : 'TACT_CODEC_KEYS_FILE'}`
      : `${source.created ? 'generated a local key in' : 'local key from'} ${source.file} (back it up with the data directory)`;
  return {
    codec,
    keyring: source.keyring,
    description: `Payload encryption: AES-256-GCM with per-user keys, active key "${source.keyring.activeId}"; ${where}`,
  };
}
