// The codec server the Temporal UI (and `temporal` CLI) calls to show sealed payloads: POST <endpoint>/decode and
// <endpoint>/encode with `{ "payloads": [{ "metadata": { k: base64 }, "data": base64 }] }` (protobuf JSON) and an
// X-Namespace header. Served by the API process at /codec: it already holds the keys, the database where per-user
// keys live, API-key authentication, rate limits and metrics, so a deployment runs nothing more.
//
// Who may call it: a bearer admin API key; a bearer JWT from the deployment's identity provider (the UI passes the
// signed-in user's access token over HTTPS: TEMPORAL_CODEC_PASS_ACCESS_TOKEN) checked against its JWKS; or, for a UI
// served over plain HTTP (the compose stack on localhost), a session cookie set by signing in once at /codec/login
// with an admin key (TEMPORAL_CODEC_INCLUDE_CREDENTIALS). Browsers reach it only from the configured UI origins (CORS).
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import cors from 'cors';
import express, { type Request } from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import type { MasterKeyring } from '../codec/keyring';
import type { TactPayloadCodec } from '../codec/payload-codec';
import { grants } from '../db/api-keys';
import type { Repositories } from '../db/repositories';
import type { EpochMs } from '../domain/types';
import type { AbuseLimits } from './abuse-limits';
import { guardedJsonOptions } from './json-guards';
import { HttpProblem, validationProblem } from './problem';
import { present } from '../domain/present';

export interface CodecJwtConfig {
  jwksUrl: string;
  issuer?: string;
  audience?: string;
}

export interface CodecServerConfig {
  /** Browser origins allowed to call it (the Temporal UI's), e.g. http://localhost:8080. */
  corsOrigins: string[];
  /** The Temporal namespace whose payloads it decodes; another X-Namespace is refused. */
  namespace: string;
  jwt?: CodecJwtConfig;
  /** Lifetime of a /codec/login session cookie. */
  sessionTtlMs?: number;
}

export interface CodecServerDeps extends CodecServerConfig {
  codec: TactPayloadCodec;
  keyring: MasterKeyring;
  repos: Repositories;
  now: () => EpochMs;
  /** The API's failed-authentication lockout: key guesses against the codec server count with the API's. */
  abuse?: AbuseLimits;
}

const SESSION_COOKIE = 'tact_codec_session';
const MAX_PAYLOADS = 1_000;

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const payloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }).strict())
    .max(MAX_PAYLOADS),
});

/** Reads TACT_CODEC_CORS_ORIGINS, TACT_CODEC_JWKS_URL, TACT_CODEC_JWT_ISSUER, TACT_CODEC_JWT_AUDIENCE. */
export function codecServerConfigFromEnv(env: NodeJS.ProcessEnv, namespace: string): CodecServerConfig {
  const corsOrigins = (env.TACT_CODEC_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Error(`TACT_CODEC_CORS_ORIGINS: "${origin}" must be an origin like https://temporal.example.com`);
    }
  }
  const jwksUrl = env.TACT_CODEC_JWKS_URL?.trim();
  if (jwksUrl && !URL.canParse(jwksUrl)) throw new Error('TACT_CODEC_JWKS_URL must be a URL');
  const issuer = env.TACT_CODEC_JWT_ISSUER?.trim();
  const audience = env.TACT_CODEC_JWT_AUDIENCE?.trim();
  return {
    corsOrigins,
    namespace,
    ...(jwksUrl ? { jwt: { jwksUrl, ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) } } : {}),
  };
}

export function createCodecServer(deps: CodecServerDeps): express.Router {
  const router = express.Router();
  const sessionKey = Buffer.from(
    hkdfSync(
      'sha256',
      present(deps.keyring.keys.get(deps.keyring.activeId), 'the active codec key'),
      'tact',
      'codec-session-cookie',
      32,
    ),
  );
  const sessionTtlMs = deps.sessionTtlMs ?? 8 * 3600_000;
  const jwks = deps.jwt ? createRemoteJWKSet(new URL(deps.jwt.jwksUrl)) : undefined;
  const allowed = new Set(deps.corsOrigins);

  router.use((req, _res, next) => {
    // A browser request from an origin not configured gets no CORS headers and is refused outright; the sign-in
    // page posts from the API's own origin.
    const origin = req.get('origin');
    const own = req.path === '/login' && origin === `${req.protocol}://${req.get('host')}`;
    if (origin !== undefined && !own && !allowed.has(origin)) {
      throw new HttpProblem(403, 'forbidden', 'origin not allowed');
    }
    next();
  });
  router.use(
    cors({
      origin: [...allowed],
      methods: ['POST'],
      allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
      credentials: true,
      maxAge: 600,
    }),
  );

  const authenticate = async (req: Request): Promise<void> => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    await deps.abuse?.assertNotLockedOut(address);
    try {
      await checkCredentials(req);
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 401) await deps.abuse?.authenticationFailed(address);
      throw error;
    }
  };

  const checkCredentials = async (req: Request): Promise<void> => {
    const header = req.get('authorization');
    const bearer = header === undefined ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
    if (bearer !== undefined) {
      if (bearer.split('.').length === 3 && jwks !== undefined) {
        try {
          await jwtVerify(bearer, jwks, {
            ...(deps.jwt?.issuer ? { issuer: deps.jwt.issuer } : {}),
            ...(deps.jwt?.audience ? { audience: deps.jwt.audience } : {}),
            currentDate: new Date(deps.now()),
          });
          return;
        } catch {
          throw unauthenticated('the access token is not valid for this codec server');
        }
      }
      const key = await deps.repos.apiKeys.verify(bearer, deps.now());
      if (key === null) throw unauthenticated('the API key is malformed, unknown or revoked');
      if (!grants(key.scopes, 'admin')) throw new HttpProblem(403, 'forbidden', 'the codec server needs an admin key');
      return;
    }
    const session = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (session !== undefined && verifySession(sessionKey, session, deps.now())) return;
    throw unauthenticated('send an admin API key or an access token: Authorization: Bearer <token>');
  };

  const checkNamespace = (req: Request) => {
    const namespace = req.get('x-namespace');
    if (namespace !== undefined && namespace !== deps.namespace) {
      throw new HttpProblem(400, 'wrong-namespace', `this codec server serves namespace "${deps.namespace}"`);
    }
  };

  const json = express.json({ limit: 4 * 1024 * 1024, type: () => true, ...guardedJsonOptions });
  // Authentication before the body is read: an anonymous caller never gets 4 MB parsed.
  const guard: express.RequestHandler = async (req, res, next) => {
    res.locals.route = `/codec${req.path}`;
    await authenticate(req);
    checkNamespace(req);
    next();
  };
  router.post('/decode', guard, json, async (req, res) => {
    const payloads = parsePayloads(req.body);
    // One by one: a payload whose key was shredded (an erased user) comes back still sealed, the rest decode.
    const decoded = await Promise.all(
      payloads.map((payload) =>
        deps.codec.decode([payload]).then(
          ([one]) => one ?? payload,
          () => payload,
        ),
      ),
    );
    res.json({ payloads: decoded.map(toJson) });
  });
  router.post('/encode', guard, json, async (req, res) => {
    // No workflow context here: what the UI encodes (e.g. a signal typed in by an operator) is sealed with the
    // master key, which every worker can open.
    res.json({ payloads: (await deps.codec.encode(parsePayloads(req.body))).map(toJson) });
  });

  // Sign-in for a UI served over plain HTTP, which cannot pass a bearer token: the admin key buys a session cookie.
  router.get('/login', (_req, res) => {
    res.locals.route = '/codec/login';
    res.type('html').send(LOGIN_PAGE);
  });
  router.post('/login', express.urlencoded({ extended: false, limit: 4096 }), async (req, res) => {
    res.locals.route = '/codec/login';
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    await deps.abuse?.assertNotLockedOut(address);
    const presented = (req.body as { key?: unknown } | undefined)?.key;
    const key = typeof presented === 'string' ? await deps.repos.apiKeys.verify(presented, deps.now()) : null;
    if (key === null || !grants(key.scopes, 'admin')) {
      await deps.abuse?.authenticationFailed(address);
      throw unauthenticated('an admin API key is needed');
    }
    const expires = deps.now() + sessionTtlMs;
    res.cookie(SESSION_COOKIE, signSession(sessionKey, expires), {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/codec',
      maxAge: sessionTtlMs,
    });
    res.type('text').send('Signed in: the Temporal UI can now decode payloads (until the session expires).');
  });
  return router;
}

function unauthenticated(detail: string): HttpProblem {
  return new HttpProblem(401, 'unauthenticated', detail, {
    headers: { 'WWW-Authenticate': 'Bearer realm="tact-codec"' },
  });
}

function parsePayloads(body: unknown): Payload[] {
  const parsed = payloadsBody.safeParse(body);
  if (!parsed.success) {
    throw validationProblem(
      parsed.error.issues.map((issue) => ({
        in: 'body' as const,
        field: issue.path.join('.') || '(body)',
        message: issue.message,
      })),
    );
  }
  return parsed.data.payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  }));
}

function toJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

function signSession(key: Buffer, expires: number): string {
  return `${expires}.${createHmac('sha256', key).update(String(expires)).digest('base64url')}`;
}

function verifySession(key: Buffer, value: string, now: number): boolean {
  const [expires, mac] = value.split('.');
  if (expires === undefined || mac === undefined || !/^\d{1,15}$/.test(expires) || Number(expires) <= now) return false;
  const expected = Buffer.from(signSession(key, Number(expires)));
  const given = Buffer.from(value);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

const LOGIN_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Tact codec sign-in</title>
<h1>Tact codec server</h1><p>Sign in with an admin API key so the Temporal UI can decode payloads.</p>
<form method="post" action="login"><input name="key" type="password" autocomplete="off" size="60" required>
<button>Sign in</button></form></html>`;
