// Abuse limits on loopback, each bounded in time: the failed-auth lockout (no key lookup once locked out), the
// per-key rate, slow headers and bodies cut off in seconds, the per-address connection cap, the /metrics token, and
// bodies that are refused rather than silently changed.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAbuseLimits, createLimitedServer, type AbuseLimitsConfig } from '../../api/abuse-limits';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { createMetrics } from '../../api/metrics';
import { createRepositories, type Repositories } from '../../db/repositories';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { callApi, createKeys, type CallOptions } from '../api/support';
import { ScriptedWorkflows } from '../api/scripted-workflows';
import { wallClock } from '../../clock';
import { present } from '../../domain/present';

const METRICS_TOKEN = 'metrics-token-0123456789';
const limits: AbuseLimitsConfig = {
  requestsPerKeyPerSecond: 5,
  keyWindowSeconds: 60,
  authFailuresPerMinute: 5,
  authLockoutSeconds: 60,
  // fetch keeps a pool of connections to the API server: its cap is tested on a server of its own below.
  connectionsPerAddress: 0,
  headersTimeoutMs: 2_000,
  requestTimeoutMs: 2_500,
  keepAliveTimeoutMs: 5_000,
  metricsToken: METRICS_TOKEN,
};

let db: TestDatabase;
let repos: Repositories;
let server: http.Server;
let baseUrl: string;
let port: number;
let keys: Awaited<ReturnType<typeof createKeys>>;
let keyLookups = 0;
const workflows = new ScriptedWorkflows();

beforeAll(async () => {
  db = await openTestDatabase();
  repos = createRepositories(db.pool);
  const verify = repos.apiKeys.verify.bind(repos.apiKeys);
  repos.apiKeys.verify = (presented, now) => {
    keyLookups += 1;
    return verify(presented, now);
  };
  keys = await createKeys(repos);
  const metrics = createMetrics();
  const { app } = createApp({
    repos,
    pool: db.pool,
    workflows,
    metrics,
    logger: createLogger({ level: 'silent' }),
    abuse: createAbuseLimits(limits, metrics.registry),
    // Tests play several clients from one loopback address through X-Forwarded-For.
    trustProxy: 'loopback',
  });
  server = createLimitedServer(app, limits, metrics.registry);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await db?.close();
});

const from = (client: string, options: CallOptions = {}): CallOptions => ({
  ...options,
  headers: { 'x-forwarded-for': client, ...options.headers },
});

/** Resolves with what the server wrote before it closed the socket, and how long that took. */
function rawExchange(
  chunks: { afterMs: number; text: string }[],
  to = port,
): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(to, '127.0.0.1');
    let response = '';
    const timers: NodeJS.Timeout[] = [];
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (response += data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      timers.forEach(clearTimeout);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    for (const chunk of chunks)
      timers.push(setTimeout(() => socket.writable && socket.write(chunk.text), chunk.afterMs));
    timers.push(
      setTimeout(() => (socket.destroy(), reject(new Error('the server never closed the connection'))), 20_000),
    );
  });
}

async function metricsText(): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  return response.text();
}

describe('failed-authentication lockout', () => {
  it('locks an address out after 5 failures: 429 with Retry-After, and no key lookup while locked', async () => {
    const attacker = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push(
        (await callApi(baseUrl, 'GET', '/v1/outbox', from(attacker, { key: `tact_${'x'.repeat(10)}${i}` }))).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const locking = await callApi(baseUrl, 'GET', '/v1/outbox', from(attacker, { key: 'wrong-again' }));
    expect(locking.status).toBe(429);
    expect(Number(locking.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(locking.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    const lookupsBefore = keyLookups;
    const flood = [];
    for (let i = 0; i < 20; i += 1) {
      flood.push(await callApi(baseUrl, 'GET', '/v1/outbox', from(attacker, { key: `tact_guess${i}` })));
    }
    expect(new Set(flood.map((r) => r.status))).toEqual(new Set([429]));
    // Even the right key waits out the lockout, and nothing reached the database.
    expect((await callApi(baseUrl, 'GET', '/v1/outbox', from(attacker, { key: keys.admin }))).status).toBe(429);
    expect(keyLookups).toBe(lookupsBefore);

    // Another client is not affected.
    expect((await callApi(baseUrl, 'GET', '/v1/outbox', from('198.51.100.2', { key: keys.admin }))).status).toBe(200);
    expect(await metricsText()).toMatch(/tact_abuse_refused_total\{limiter="failed_auth"\} (2[2-9]|[3-9]\d)/);
  });
});

describe('per-key rate limit', () => {
  it('answers 429 with Retry-After beyond the key rate, per key', async () => {
    const { key } = await repos.apiKeys.create({ scopes: ['users:read'] }, wallClock());
    const statuses = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await callApi(baseUrl, 'GET', '/v1/users/u-1', { key })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
    const limited = await callApi(baseUrl, 'GET', '/v1/users/u-1', { key });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('content-type')).toMatch(/problem\+json/);
    const { key: other } = await repos.apiKeys.create({ scopes: ['users:read'] }, wallClock());
    expect((await callApi(baseUrl, 'GET', '/v1/users/u-1', { key: other })).status).toBe(404);
    expect(await metricsText()).toMatch(/tact_abuse_refused_total\{limiter="api_key"\} [3-9]/);
  });
});

describe('HTTP timeouts and connection cap', () => {
  it('cuts off a body that trickles in, within seconds', async () => {
    const head =
      `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.events}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"id":';
    const trickle = Array.from({ length: 40 }, (_, i) => ({ afterMs: 300 * (i + 1), text: ' ' }));
    const { response, closedAfterMs } = await rawExchange([{ afterMs: 0, text: head }, ...trickle]);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(2_400);
    expect(closedAfterMs).toBeLessThan(8_000);
    expect(workflows.calls).toEqual([]);
  });

  it('cuts off headers that never end', async () => {
    const drip = Array.from({ length: 50 }, (_, i) => ({ afterMs: 200 * (i + 1), text: `X-Slow-${i}: a\r\n` }));
    const { response, closedAfterMs } = await rawExchange([{ afterMs: 0, text: 'GET /healthz HTTP/1.1\r\n' }, ...drip]);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(8_000);
  });

  it('refuses connections beyond the cap per address, and takes new ones once some close', async () => {
    const metrics = createMetrics();
    const capped = createLimitedServer(
      (_req, res) => res.end('ok'),
      { ...limits, connectionsPerAddress: 4 },
      metrics.registry,
    );
    await new Promise<void>((resolve) => capped.listen(0, '127.0.0.1', resolve));
    const cappedPort = (capped.address() as AddressInfo).port;
    try {
      const open = await Promise.all(
        Array.from(
          { length: 4 },
          () =>
            new Promise<net.Socket>((resolve) => {
              const socket = net.connect(cappedPort, '127.0.0.1', () => resolve(socket));
            }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 100)); // the server has seen them all
      const request = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
      const extra = await rawExchange([{ afterMs: 0, text: request }], cappedPort);
      expect(extra.response).toBe('');
      present(open.pop(), 'open.pop()').destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const admitted = await rawExchange([{ afterMs: 0, text: request }], cappedPort);
      expect(admitted.response).toMatch(/^HTTP\/1\.1 200/);
      open.forEach((socket) => socket.destroy());
      expect(await metrics.registry.metrics()).toMatch(/tact_abuse_refused_total\{limiter="connections"\} 1/);
    } finally {
      capped.closeAllConnections();
      await new Promise((resolve) => capped.close(resolve));
    }
  });
});

describe('/metrics and bodies', () => {
  it('serves /metrics only with its token', async () => {
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect(await metricsText()).toMatch(/tact_http_requests_total/);
  });

  it.each([
    [
      '__proto__ in properties',
      '{"id":"e1","userId":"u1","type":"t","properties":{"__proto__":{"admin":true}}}',
      '__proto__',
    ],
    ['constructor at the top', '{"id":"e1","userId":"u1","type":"t","constructor":{"x":1}}', 'constructor'],
    ['prototype deep inside', '{"id":"e1","userId":"u1","type":"t","properties":{"a":[{"prototype":1}]}}', 'prototype'],
  ])('refuses %s with 400 naming the key', async (_what, body, field) => {
    const { key } = await repos.apiKeys.create({ scopes: ['events:write'] }, wallClock());
    const response = await callApi(baseUrl, 'POST', '/v1/events', {
      key,
      rawBody: body,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field, in: 'body' })]);
    expect(workflows.calls).toEqual([]);
  });

  it('refuses a body that is not UTF-8 instead of replacing the bad bytes', async () => {
    const { key } = await repos.apiKeys.create({ scopes: ['events:write'] }, wallClock());
    const bad = Buffer.concat([
      Buffer.from('{"id":"e1","userId":"u1","type":"t","properties":{"name":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    const response = await callApi(baseUrl, 'POST', '/v1/events', {
      key,
      rawBody: bad,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].message).toMatch(/UTF-8/);
    expect(workflows.calls).toEqual([]);
  });
});
