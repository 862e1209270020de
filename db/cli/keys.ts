// `npm run keys -- create --scopes events:write,users:read [--name x] | list | revoke <id>`
// When a Tact API answers at TACT_URL (default http://localhost:3000), the command goes through its admin API
// (/v1/admin/keys, with the admin key in TACT_API_KEY), so it works while `npm start` holds the database;
// otherwise it opens the database itself (DATABASE_URL, or the embedded one in TACT_DATA_DIR).
import { parseArgs } from 'node:util';
import {
  ApiKeyRepository,
  API_KEY_SCOPES,
  parseScopes,
  type ApiKeyInfo,
  type ApiKeyScope,
  type CreatedApiKey,
} from '../api-keys';
import { migrate } from '../migrate';
import { openDatabase } from '../pool';
import type { Queryable } from '../sql';
import { wallClock } from '../../clock';
import { present } from '../../domain/present';
import { epochMsFromIso } from '../../domain/units';

const USAGE = `usage:
  npm run keys -- create --scopes <scope>[,<scope>...] [--name <name>]
  npm run keys -- list
  npm run keys -- revoke <id>
scopes: ${API_KEY_SCOPES.join(', ')}`;

export type DatabaseCommand =
  | { kind: 'create'; scopes: ApiKeyScope[]; name?: string | undefined }
  | { kind: 'list' }
  | { kind: 'revoke'; id: string };
export type KeysCommand = DatabaseCommand | { kind: 'help' };

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** A command line that cannot be run; the message says why. */
export class UsageError extends Error {}

export function parseKeysCommand(args: string[]): KeysCommand {
  const { positionals, values } = parseCommandLine(args);
  const [command, ...rest] = positionals;
  if (values.help === true) return { kind: 'help' };
  switch (command) {
    case 'create':
      expectNoMore(rest);
      if (values.scopes === undefined) {
        throw new UsageError(`create needs --scopes (one or more of: ${API_KEY_SCOPES.join(', ')})`);
      }
      try {
        const scopes = parseScopes(values.scopes);
        return { kind: 'create', scopes, name: values.name };
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    case 'list':
      expectNoMore(rest);
      return { kind: 'list' };
    case 'revoke': {
      const [id, ...extra] = rest;
      if (id === undefined) throw new UsageError('revoke needs the id of the key (see `npm run keys -- list`)');
      expectNoMore(extra);
      return { kind: 'revoke', id };
    }
    default:
      throw new UsageError(command === undefined ? 'give a command' : `unknown command: ${command}`);
  }
}

/** Where keys are kept: the database directly, or a running API's /v1/admin/keys. */
export interface KeyStore {
  create(options: { scopes: ApiKeyScope[]; name?: string | undefined }, now: number): Promise<CreatedApiKey>;
  list(): Promise<ApiKeyInfo[]>;
  revoke(id: string, now: number): Promise<'revoked' | 'already_revoked' | 'not_found'>;
}

/** Runs one parsed command against `db`; returns the process exit code. */
export function runKeysCommand(command: DatabaseCommand, db: Queryable, io: CliOutput, now: number): Promise<number> {
  return runKeysCommandOn(new ApiKeyRepository(db), command, io, now);
}

/** A running Tact API's key store, reached with an admin key. */
export function httpKeyStore(baseUrl: string, adminKey: string): KeyStore {
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (response.status === 404 && method === 'DELETE') return { status: 404, body: parsed };
    if (!response.ok) {
      const detail = (parsed as { detail?: string } | undefined)?.detail ?? text;
      throw new Error(`${method} ${path} answered ${response.status}: ${detail}`);
    }
    return { status: response.status, body: parsed };
  };
  const epoch = (iso: string | undefined) => (iso === undefined ? undefined : epochMsFromIso(iso));
  return {
    async create(options) {
      const body = { scopes: options.scopes, ...(options.name === undefined ? {} : { name: options.name }) };
      return (await call('POST', '/v1/admin/keys', body)).body as CreatedApiKey;
    },
    async list() {
      const { body } = await call('GET', '/v1/admin/keys');
      const keys = (
        body as { keys: (Omit<ApiKeyInfo, 'createdAt' | 'lastUsedAt' | 'revokedAt'> & Record<string, string>)[] }
      ).keys;
      return keys.map(({ createdAt, lastUsedAt, revokedAt, ...rest }) => {
        const used = epoch(lastUsedAt);
        const revoked = epoch(revokedAt);
        return {
          ...rest,
          createdAt: epochMsFromIso(present(createdAt, 'createdAt of a key')),
          ...(used === undefined ? {} : { lastUsedAt: used }),
          ...(revoked === undefined ? {} : { revokedAt: revoked }),
        };
      });
    },
    async revoke(id) {
      const { status, body } = await call('DELETE', `/v1/admin/keys/${encodeURIComponent(id)}`);
      if (status === 404) return 'not_found';
      return (body as { status: 'revoked' | 'already_revoked' }).status;
    },
  };
}

/** Whether a Tact API answers at `baseUrl` (its liveness route), within a second. */
export async function apiAnswers(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Runs one parsed command against a key store; returns the process exit code. */
export async function runKeysCommandOn(
  keys: KeyStore,
  command: DatabaseCommand,
  io: CliOutput,
  now: number,
): Promise<number> {
  switch (command.kind) {
    case 'create': {
      const created = await keys.create(
        { scopes: command.scopes, ...(command.name === undefined ? {} : { name: command.name }) },
        now,
      );
      io.err(`created API key ${created.id} with scopes ${created.scopes.join(', ')}; it is shown once, store it now:`);
      io.out(created.key);
      return 0;
    }
    case 'list': {
      const all = await keys.list();
      if (all.length === 0) io.err('no API keys');
      for (const key of all) {
        const status = key.revokedAt === undefined ? 'active' : `revoked ${iso(key.revokedAt)}`;
        const lastUsed = key.lastUsedAt === undefined ? 'never used' : `last used ${iso(key.lastUsedAt)}`;
        const columns = [
          key.id,
          status,
          key.scopes.join(','),
          `created ${iso(key.createdAt)}`,
          lastUsed,
          key.name ?? '',
        ];
        io.out(columns.join('\t').trimEnd());
      }
      return 0;
    }
    case 'revoke': {
      const result = await keys.revoke(command.id, now);
      if (result === 'not_found') {
        io.err(`no API key with id ${command.id}`);
        return 1;
      }
      io.err(result === 'revoked' ? `revoked API key ${command.id}` : `API key ${command.id} was already revoked`);
      return 0;
    }
  }
}

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: { scopes: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function expectNoMore(extra: string[]): void {
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function main(): Promise<number> {
  const io: CliOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };
  let command: KeysCommand;
  try {
    command = parseKeysCommand(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`tact keys: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (command.kind === 'help') {
    io.out(USAGE);
    return 0;
  }
  const url = (process.env.TACT_URL?.trim() || 'http://localhost:3000').replace(/\/+$/, '');
  if (await apiAnswers(url)) {
    const adminKey = process.env.TACT_API_KEY?.trim();
    if (!adminKey) {
      io.err(
        `tact keys: a Tact API answers at ${url}: give its admin key in TACT_API_KEY (npm start printed one at first start)`,
      );
      return 2;
    }
    io.err(`(through the API at ${url})`);
    return runKeysCommandOn(httpKeyStore(url, adminKey), command, io, wallClock());
  }
  const db = await openDatabase();
  try {
    await migrate(db.pool);
    return await runKeysCommand(command, db.pool, io, wallClock());
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`tact keys: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
