// The codec server as the Temporal UI calls it: CORS preflight from the UI's origin, POST /decode with the UI's
// body and headers, and every way of being let in (admin key, identity-provider JWT, sign-in cookie) or refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { createCodecServer } from '../../api/codec-server';
import { createLogger } from '../../api/logger';
import { userWorkflowId } from '../../workflows/definitions';
import { eventually, listen, uniqueId, useApiStack } from '../api/support';
import { payloadsOf } from './history-payloads';
import { wallClock } from '../../clock';
import { nth, present } from '../../domain/present';

const stack = useApiStack({ worker: true });
const UI = 'http://ui.test:8080';
const ISSUER = 'https://idp.test/';
let baseUrl: string;
let server: http.Server;
let jwksServer: http.Server;
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: SigningKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  jwksServer = http.createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const { app } = createApp({
    repos: stack().repos,
    pool: stack().db.pool,
    workflows: stack().spy,
    logger: createLogger({ level: 'silent' }),
    codecServer: createCodecServer({
      codec: stack().codec.codec,
      keyring: stack().codec.keyring,
      repos: stack().repos,
      now: wallClock,
      corsOrigins: [UI],
      namespace: 'default',
      jwt: {
        jwksUrl: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
        issuer: ISSUER,
        audience: 'temporal-ui',
      },
    }),
  });
  ({ server, baseUrl } = await listen(app));
});

afterAll(async () => {
  for (const listening of [server, jwksServer]) {
    if (listening) await new Promise((resolve) => listening.close(resolve));
  }
});

async function sealedSignal(marker: string) {
  const userId = uniqueId('codec');
  await stack().call('POST', '/v1/events', {
    json: { id: 'e1', userId, type: 'login_new_device', properties: { deviceId: 'd1', deviceName: marker } },
  });
  return eventually('the signal in the history', async () => {
    const history = await stack()
      .env.client.workflow.getHandle(userWorkflowId(userId))
      .fetchHistory()
      .catch(() => undefined);
    const found =
      history && payloadsOf(history).find(({ path }) => path.includes('workflowExecutionSignaledEventAttributes'));
    return found?.payload;
  });
}

function uiBody(payloads: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }[]) {
  return JSON.stringify({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  });
}

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/codec${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI, ...headers },
    body,
  });
}

async function jwt(options: { issuer?: string; key?: SigningKey } = {}) {
  return new SignJWT({ sub: 'ops@example.test' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience('temporal-ui')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(options.key ?? signingKey);
}

describe('codec server', () => {
  it('answers the UI preflight for its origin only', async () => {
    const preflight = await fetch(`${baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-namespace/);
    const other = await fetch(`${baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('decodes what the UI sends with an admin key, and refuses without auth or with a lesser key', async () => {
    const marker = `Marker-${uniqueId('ui')}`;
    const sealed = await sealedSignal(marker);
    const body = uiBody([sealed]);

    const anonymous = await post('/decode', body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(UI); // the UI can see why
    expect(await anonymous.text()).not.toContain(marker);
    expect((await post('/decode', body, { authorization: `Bearer ${stack().keys.usersRead}` })).status).toBe(403);
    expect((await post('/decode', body, { authorization: 'Bearer not-a-key' })).status).toBe(401);

    const decoded = await post('/decode', body, { authorization: `Bearer ${stack().keys.admin}` });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI);
    const json = (await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(json.payloads).toHaveLength(1);
    expect(
      Buffer.from(
        present(nth(json.payloads, 0).metadata.encoding, 'json.payloads[0].metadata.encoding'),
        'base64',
      ).toString(),
    ).toBe('json/plain');
    expect(Buffer.from(nth(json.payloads, 0).data, 'base64').toString()).toContain(marker);

    expect(
      (await post('/decode', body, { authorization: `Bearer ${stack().keys.admin}`, 'x-namespace': 'other' })).status,
    ).toBe(400);
    expect(
      (await post('/decode', body, { authorization: `Bearer ${stack().keys.admin}`, origin: 'http://evil.test' }))
        .status,
    ).toBe(403);
  });

  it('accepts a JWT from the identity provider and refuses a forged or foreign one', async () => {
    const sealed = await sealedSignal('jwt');
    const body = uiBody([sealed]);
    expect((await post('/decode', body, { authorization: `Bearer ${await jwt()}` })).status).toBe(200);
    expect(
      (await post('/decode', body, { authorization: `Bearer ${await jwt({ issuer: 'https://other.test/' })}` })).status,
    ).toBe(401);
    const forger = await generateKeyPair('ES256');
    expect(
      (await post('/decode', body, { authorization: `Bearer ${await jwt({ key: forger.privateKey })}` })).status,
    ).toBe(401);
  });

  it('a sign-in with an admin key gives the browser a session cookie the UI sends along', async () => {
    const sealed = await sealedSignal('cookie');
    const refused = await fetch(`${baseUrl}/codec/login`, {
      method: 'POST',
      body: new URLSearchParams({ key: stack().keys.events }),
    });
    expect(refused.status).toBe(401);
    const login = await fetch(`${baseUrl}/codec/login`, {
      method: 'POST',
      body: new URLSearchParams({ key: stack().keys.admin }),
    });
    expect(login.status).toBe(200);
    const cookie = present(login.headers.get('set-cookie'), "login.headers.get('set-cookie')");
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = nth(cookie.split(';'), 0);
    expect((await post('/decode', uiBody([sealed]), { cookie: session })).status).toBe(200);
    const [name, value] = session.split('=');
    expect(
      (
        await post('/decode', uiBody([sealed]), {
          cookie: `${name}=${present(value, 'value').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`,
        })
      ).status,
    ).toBe(401);
  });

  it('encodes for the UI with the master key, and decodes it back', async () => {
    const plain = [
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"typed":"by an operator"}') },
    ];
    const auth = { authorization: `Bearer ${stack().keys.admin}` };
    const encoded = (await (await post('/encode', uiBody(plain), auth)).json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(
      Buffer.from(
        present(nth(encoded.payloads, 0).metadata.encoding, 'encoded.payloads[0].metadata.encoding'),
        'base64',
      ).toString(),
    ).toBe('binary/encrypted');
    expect(
      Buffer.from(
        present(
          nth(encoded.payloads, 0).metadata['encryption-key-id'],
          "encoded.payloads[0].metadata['encryption-key-id']",
        ),
        'base64',
      ).toString(),
    ).toBe('m:test-1');
    const back = (await (await post('/decode', JSON.stringify(encoded), auth)).json()) as {
      payloads: { data: string }[];
    };
    expect(Buffer.from(nth(back.payloads, 0).data, 'base64').toString()).toBe('{"typed":"by an operator"}');
  });
});
