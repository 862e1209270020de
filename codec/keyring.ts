// Master keys from configuration. TACT_CODEC_KEYS (or a file named by TACT_CODEC_KEYS_FILE) lists `id=base64key`
// entries separated by commas or new lines, each key 32 random bytes (AES-256); TACT_CODEC_ACTIVE_KEY names the one
// new payloads are sealed with (default: the first listed). Older keys stay listed so payloads they sealed stay
// readable: rotation is "add a new key first in the list, keep the old ones".
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export interface MasterKeyring {
  activeId: string;
  keys: ReadonlyMap<string, Uint8Array>;
}

export class CodecConfigError extends Error {
  override name = 'CodecConfigError';
}

/** Parses `id=base64` entries; errors name the variable and the key id, never a key. */
export function parseKeyring(text: string, activeId: string | undefined, source: string): MasterKeyring {
  const keys = new Map<string, Uint8Array>();
  for (const entry of text.split(/[,\n]/).map((part) => part.trim())) {
    if (entry === '' || entry.startsWith('#')) continue;
    const separator = entry.indexOf('=');
    const id = separator > 0 ? entry.slice(0, separator).trim() : '';
    if (!KEY_ID.test(id))
      throw new CodecConfigError(`${source}: each entry must be id=base64key, id of [A-Za-z0-9_-]{1,32}`);
    const key = Buffer.from(entry.slice(separator + 1).trim(), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new CodecConfigError(`${source}: key "${id}" must be ${KEY_BYTES} bytes (base64 of 32 random bytes)`);
    }
    if (keys.has(id)) throw new CodecConfigError(`${source}: key "${id}" is listed twice`);
    keys.set(id, new Uint8Array(key));
  }
  const first = keys.keys().next();
  if (first.done) throw new CodecConfigError(`${source}: no keys`);
  const active = activeId?.trim() || first.value;
  if (!keys.has(active))
    throw new CodecConfigError(`TACT_CODEC_ACTIVE_KEY: "${active}" is not one of the ${source} keys`);
  return { activeId: active, keys };
}

export type KeyringSource =
  | { kind: 'configured'; keyring: MasterKeyring; from: string }
  | { kind: 'local'; keyring: MasterKeyring; file: string; created: boolean }
  | { kind: 'none' };

export const LOCAL_KEY_FILE = 'tact-codec-keys';

/**
 * The keyring of this process. Configured keys win. With none configured: an embedded deployment (`localDataDir`,
 * the `npm start` default) keeps a generated key in its data directory, next to the data it protects, so the
 * default run encrypts like production does; a deployment on an external database gets none (encryption off),
 * because a key generated per process would differ between the API and worker containers.
 */
export function loadKeyring(env: NodeJS.ProcessEnv, localDataDir?: string): KeyringSource {
  const required = /^(1|true|yes)$/i.test(env.TACT_CODEC_REQUIRED?.trim() ?? '');
  // TACT_CODEC=off: no encryption even on the embedded default (benchmarks compare with it; debugging).
  if (env.TACT_CODEC?.trim().toLowerCase() === 'off') {
    if (required) throw new CodecConfigError('TACT_CODEC=off contradicts TACT_CODEC_REQUIRED');
    return { kind: 'none' };
  }
  const activeId = env.TACT_CODEC_ACTIVE_KEY;
  const inline = env.TACT_CODEC_KEYS?.trim();
  const file = env.TACT_CODEC_KEYS_FILE?.trim();
  if (inline && file) throw new CodecConfigError('set TACT_CODEC_KEYS or TACT_CODEC_KEYS_FILE, not both');
  if (inline)
    return { kind: 'configured', keyring: parseKeyring(inline, activeId, 'TACT_CODEC_KEYS'), from: 'TACT_CODEC_KEYS' };
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new CodecConfigError(
        `TACT_CODEC_KEYS_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
    return { kind: 'configured', keyring: parseKeyring(text, activeId, 'TACT_CODEC_KEYS_FILE'), from: file };
  }
  if (required) {
    throw new CodecConfigError(
      'TACT_CODEC_REQUIRED is set but no keys are: set TACT_CODEC_KEYS or TACT_CODEC_KEYS_FILE (`npm run codec:key -- k1` makes one)',
    );
  }
  if (localDataDir === undefined) return { kind: 'none' };
  const keyFile = path.join(localDataDir, LOCAL_KEY_FILE);
  let created = false;
  if (!fs.existsSync(keyFile)) {
    const id = `local-${randomBytes(4).toString('hex')}`;
    // wx: two processes starting on one data directory never overwrite each other's key.
    try {
      fs.writeFileSync(keyFile, `${id}=${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return {
    kind: 'local',
    keyring: parseKeyring(fs.readFileSync(keyFile, 'utf8'), activeId, keyFile),
    file: keyFile,
    created,
  };
}

/** A fresh keyring entry, as `npm run keys`-style tooling or tests need: `id=base64`. */
export function generateKeyEntry(id: string): string {
  if (!KEY_ID.test(id)) throw new CodecConfigError('key id must be [A-Za-z0-9_-]{1,32}');
  return `${id}=${randomBytes(KEY_BYTES).toString('base64')}`;
}
