// Tact's PayloadCodec: every payload that leaves a client or worker for Temporal is sealed with AES-256-GCM.
// A payload that belongs to a user (its workflow id is the user's, `user:<id>` or `user:<id>/…`, as the SDK's
// serialization context tells the codec) is sealed with that user's own data key, which is stored wrapped under
// the active master key (db/user-keys.ts); erasing the user deletes it, and their histories become unreadable.
// Every other payload is sealed with the active master key. The key id travels in each payload's metadata, so
// decoding needs no context (the codec server decodes for the UI with none) and rotated keys stay readable.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KEY_BYTES, type MasterKeyring } from './keyring';
import { open, seal } from './seal';
import { wallClock } from '../clock';
import { present } from '../domain/present';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const USER_KEY_PREFIX = 'u:';
const MASTER_KEY_PREFIX = 'm:';
const ENCODER = new TextEncoder();

/** Where wrapped per-user keys live (PostgreSQL: db/user-keys.ts UserKeyRepository). */
export interface UserKeyStore {
  findByUser(userId: string): Promise<StoredKey | null>;
  findByKeyId(keyId: string): Promise<StoredKey | null>;
  insertOrGet(candidate: StoredKey, now: number): Promise<StoredKey>;
  isShredded(keyId: string): Promise<boolean>;
}

export interface StoredKey {
  userId: string;
  keyId: string;
  masterKeyId: string;
  wrappedKey: Uint8Array;
}

/** The payload was sealed with a user key that was shredded (the user was erased). */
export class ShreddedKeyError extends Error {
  override name = 'ShreddedKeyError';
}

/** The payload names a key this process does not have. */
export class UnknownKeyError extends Error {
  override name = 'UnknownKeyError';
}

const USER_WORKFLOW = /^user:([A-Za-z0-9._:-]{1,128})(?:\/.*)?$/;

/** The user a workflow belongs to, from its id: `user:<id>` and the user's own sub-workflows `user:<id>/…`. */
export function ownerOfWorkflow(workflowId: string | undefined): string | undefined {
  if (workflowId === undefined) return undefined;
  return USER_WORKFLOW.exec(workflowId)?.[1];
}

interface CachedKey {
  keyId: string;
  key: Uint8Array;
  at: number;
}

export interface TactCodecOptions {
  keyring: MasterKeyring;
  /** Without a store every payload is sealed with the master key (no per-user keys, no crypto-shredding). */
  userKeys?: UserKeyStore;
  /** How long an unwrapped user key is kept in memory; other processes forget a shredded key within it. */
  cacheTtlMs?: number;
  cacheSize?: number;
  clock?: () => number;
}

export class TactPayloadCodec implements PayloadCodec {
  private readonly byUser = new Map<string, CachedKey>();
  private readonly byKeyId = new Map<string, CachedKey>();
  private readonly creating = new Map<string, Promise<CachedKey>>();
  private readonly ttlMs: number;
  private readonly cacheSize: number;
  private readonly clock: () => number;

  constructor(private readonly options: TactCodecOptions) {
    this.ttlMs = options.cacheTtlMs ?? 60_000;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.clock = options.clock ?? wallClock;
  }

  get perUserKeys(): boolean {
    return this.options.userKeys !== undefined;
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const owner = ownerOfWorkflow(context?.workflowId);
    const target = owner !== undefined && this.options.userKeys ? await this.userKey(owner) : this.masterKey();
    return payloads.map((payload) => {
      if (encodingOf(payload) === ENCRYPTED_ENCODING) return payload;
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      return {
        metadata: { encoding: ENCODER.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: ENCODER.encode(target.keyId) },
        data: seal(target.key, plain, ENCODER.encode(target.keyId)),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        if (encodingOf(payload) !== ENCRYPTED_ENCODING) return payload;
        const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
        if (keyIdBytes === undefined || keyIdBytes === null)
          throw new UnknownKeyError('encrypted payload without a key id');
        const keyId = Buffer.from(keyIdBytes).toString('utf8');
        const key = await this.keyById(keyId);
        const plain = open(key, payload.data ?? new Uint8Array(), keyIdBytes);
        return temporal.api.common.v1.Payload.decode(plain);
      }),
    );
  }

  /** Drops a user's key from this process's memory (after it was shredded). */
  forgetUser(userId: string): void {
    const cached = this.byUser.get(userId);
    this.byUser.delete(userId);
    if (cached !== undefined) this.byKeyId.delete(cached.keyId);
  }

  private masterKey(): CachedKey {
    const { activeId, keys } = this.options.keyring;
    return { keyId: MASTER_KEY_PREFIX + activeId, key: present(keys.get(activeId), 'the active master key'), at: 0 };
  }

  private async userKey(userId: string): Promise<CachedKey> {
    const cached = this.fresh(this.byUser.get(userId));
    if (cached !== undefined) return cached;
    let pending = this.creating.get(userId);
    if (pending === undefined) {
      pending = this.loadOrCreate(userId).finally(() => this.creating.delete(userId));
      this.creating.set(userId, pending);
    }
    return pending;
  }

  private async loadOrCreate(userId: string): Promise<CachedKey> {
    const store = present(this.options.userKeys, 'the per-user key store');
    let stored = await store.findByUser(userId);
    if (stored === null) {
      const { activeId, keys } = this.options.keyring;
      const keyId = randomUUID();
      const wrappedKey = seal(
        present(keys.get(activeId), 'the active master key'),
        randomBytes(KEY_BYTES),
        wrapAssociated(keyId),
      );
      stored = await store.insertOrGet({ userId, keyId, masterKeyId: activeId, wrappedKey }, this.clock());
    }
    return this.remember(stored);
  }

  private async keyById(keyId: string): Promise<Uint8Array> {
    if (keyId.startsWith(MASTER_KEY_PREFIX)) {
      const key = this.options.keyring.keys.get(keyId.slice(MASTER_KEY_PREFIX.length));
      if (key === undefined) {
        throw new UnknownKeyError(`payload sealed with master key "${keyId.slice(2)}", which is not configured`);
      }
      return key;
    }
    if (!keyId.startsWith(USER_KEY_PREFIX)) throw new UnknownKeyError(`unknown payload key id kind "${keyId}"`);
    const cached = this.fresh(this.byKeyId.get(keyId));
    if (cached !== undefined) return cached.key;
    const store = this.options.userKeys;
    if (store === undefined)
      throw new UnknownKeyError('payload sealed with a user key, but this codec has no key store');
    const id = keyId.slice(USER_KEY_PREFIX.length);
    const stored = await store.findByKeyId(id);
    if (stored === null) {
      if (await store.isShredded(id))
        throw new ShreddedKeyError(`payload key ${keyId} was shredded: its user was erased`);
      throw new UnknownKeyError(`payload key ${keyId} is not in this deployment's key store`);
    }
    return this.remember(stored).key;
  }

  private remember(stored: StoredKey): CachedKey {
    const master = this.options.keyring.keys.get(stored.masterKeyId);
    if (master === undefined) {
      throw new UnknownKeyError(`user key is wrapped by master key "${stored.masterKeyId}", which is not configured`);
    }
    const entry: CachedKey = {
      keyId: USER_KEY_PREFIX + stored.keyId,
      key: open(master, stored.wrappedKey, wrapAssociated(stored.keyId)),
      at: this.clock(),
    };
    if (this.byUser.size >= this.cacheSize) {
      const oldest = this.byUser.keys().next();
      if (!oldest.done) this.forgetUser(oldest.value);
    }
    this.byUser.set(stored.userId, entry);
    this.byKeyId.set(entry.keyId, entry);
    return entry;
  }

  private fresh(entry: CachedKey | undefined): CachedKey | undefined {
    return entry !== undefined && this.clock() - entry.at < this.ttlMs ? entry : undefined;
  }
}

function wrapAssociated(keyId: string): Uint8Array {
  return ENCODER.encode(`tact-user-key:${keyId}`);
}

function encodingOf(payload: Payload): string | undefined {
  const encoding = payload.metadata?.encoding;
  return encoding === undefined || encoding === null ? undefined : Buffer.from(encoding).toString('utf8');
}
