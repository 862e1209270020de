// /v1/admin/keys: create, list and revoke API keys through the running API (admin scope), so a key can be made
// while the server holds the database (`npm run keys` uses these when a server answers at TACT_URL).
import { z } from 'zod';
import { API_KEY_SCOPES } from '../../db/api-keys';
import { operation, type Operation } from '../operation';
import { HttpProblem } from '../problem';
import type { ApiServices } from '../services';

const keyId = z
  .string()
  .regex(/^[0-9a-f]{16}$/, { error: 'key id must be the 16 hex digits shown when the key was created or listed' });
const scopes = z
  .array(z.enum(API_KEY_SCOPES))
  .min(1, 'give at least one scope')
  .refine((list) => new Set(list).size === list.length, 'must not repeat a scope')
  .describe(`What the key may do; \`admin\` allows everything. One or more of: ${API_KEY_SCOPES.join(', ')}.`);

export const createKeyInput = z.strictObject({
  scopes,
  name: z.string().trim().min(1).max(100).optional().describe('A label for people (who or what uses the key).'),
});

const iso = z.iso.datetime();
const keyInfo = z.object({
  id: keyId,
  name: z.string().optional(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  createdAt: iso,
  lastUsedAt: iso.optional().describe('Refreshed at most once a minute.'),
  revokedAt: iso.optional(),
});
const createdKey = z.object({
  id: keyId,
  key: z.string().describe('The full key: shown in this answer only, it cannot be recovered.'),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  name: z.string().optional(),
});
const keyList = z.object({ keys: z.array(keyInfo).describe('Every key, revoked ones included, oldest first.') });
const revokedKey = z.object({ id: keyId, status: z.enum(['revoked', 'already_revoked']) });
const keyPath = z.strictObject({ keyId });

const toIso = (ms: number) => new Date(ms).toISOString();

export function adminKeyOperations(services: ApiServices): Operation[] {
  const { repos } = services;
  return [
    operation({
      operationId: 'createApiKey',
      method: 'post',
      path: '/v1/admin/keys',
      tag: 'admin',
      summary: 'Create an API key',
      description: 'The answer holds the full key, once: store it. Only its hash is kept.',
      scope: 'admin',
      body: createKeyInput,
      responses: { 201: { description: 'Created.', schema: createdKey } },
      async handle({ body, now }) {
        const created = await repos.apiKeys.create(
          { scopes: body.scopes, ...(body.name === undefined ? {} : { name: body.name }) },
          now,
        );
        return {
          status: 201,
          body: { ...created, ...(body.name === undefined ? {} : { name: body.name }) },
          headers: { 'cache-control': 'no-store' },
        };
      },
    }),
    operation({
      operationId: 'listApiKeys',
      method: 'get',
      path: '/v1/admin/keys',
      tag: 'admin',
      summary: 'List API keys',
      description: 'Ids, names, scopes and dates; never a secret.',
      scope: 'admin',
      responses: { 200: { description: 'Every key.', schema: keyList } },
      async handle() {
        const keys = await repos.apiKeys.list();
        return {
          status: 200,
          body: {
            keys: keys.map((k) => ({
              id: k.id,
              ...(k.name === undefined ? {} : { name: k.name }),
              scopes: k.scopes,
              createdAt: toIso(k.createdAt),
              ...(k.lastUsedAt === undefined ? {} : { lastUsedAt: toIso(k.lastUsedAt) }),
              ...(k.revokedAt === undefined ? {} : { revokedAt: toIso(k.revokedAt) }),
            })),
          },
        };
      },
    }),
    operation({
      operationId: 'revokeApiKey',
      method: 'delete',
      path: '/v1/admin/keys/{keyId}',
      tag: 'admin',
      summary: 'Revoke an API key',
      description: 'The key stops working at once. Revoking a revoked key answers `already_revoked`.',
      scope: 'admin',
      params: keyPath,
      responses: { 200: { description: 'Revoked (or already).', schema: revokedKey } },
      async handle({ params, now }) {
        const result = await repos.apiKeys.revoke(params.keyId, now);
        if (result === 'not_found') throw new HttpProblem(404, 'unknown-key', `no API key with id ${params.keyId}`);
        return { status: 200, body: { id: params.keyId, status: result } };
      },
    }),
  ];
}
