// A local HTTP/2 TLS server that speaks the APNs provider API (POST /3/device/{token}), for wire-level tests.
// It verifies the ES256 provider token, records every request, and answers scripted replies per device token.
import {
  createSecureServer,
  constants,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
} from 'node:http2';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { testTls } from './tls';
import { verifyJwt } from './jwt';
import { nth } from '../../../domain/present';

export interface ApnsReply {
  status: number;
  reason?: string;
}

export const APNS_REPLIES = {
  success: { status: 200 },
  unregistered: { status: 410, reason: 'Unregistered' },
  badDeviceToken: { status: 400, reason: 'BadDeviceToken' },
  tooManyRequests: { status: 429, reason: 'TooManyRequests' },
  serviceUnavailable: { status: 503, reason: 'ServiceUnavailable' },
} satisfies Record<string, ApnsReply>;

export interface ApnsRequest {
  deviceToken: string;
  headers: IncomingHttpHeaders;
  /** Claims of the verified provider token. */
  jwt: Record<string, unknown>;
  payload: Record<string, unknown>;
  payloadBytes: number;
  reply: ApnsReply;
}

export interface FakeApns {
  address: string;
  port: number;
  ca: string;
  /** The .p8-style signing key the client must use, with its key id and team id. */
  signingKey: string;
  keyId: string;
  teamId: string;
  requests: ApnsRequest[];
  /** Queues replies for a device token; once used up the token gets 200 again. */
  script(deviceToken: string, ...replies: ApnsReply[]): void;
  requestsFor(deviceToken: string): ApnsRequest[];
  close(): Promise<void>;
}

export async function startFakeApns(options: { keyId?: string; teamId?: string } = {}): Promise<FakeApns> {
  const tls = testTls();
  const keyId = options.keyId ?? 'ABC123DEFG';
  const teamId = options.teamId ?? 'TEAM123456';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const scripts = new Map<string, ApnsReply[]>();
  const requests: ApnsRequest[] = [];

  const server: Http2SecureServer = createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = String(headers[constants.HTTP2_HEADER_PATH] ?? '');
      const match = /^\/3\/device\/([^/?]+)$/.exec(path);
      const answer = (reply: ApnsReply, apnsId: string) => {
        stream.respond({ ':status': reply.status, 'apns-id': apnsId, 'content-type': 'application/json' });
        stream.end(reply.reason ? JSON.stringify({ reason: reply.reason }) : undefined);
      };
      const apnsId = String(headers['apns-id'] ?? randomUUID()).toLowerCase();
      if (headers[constants.HTTP2_HEADER_METHOD] !== 'POST' || !match) {
        return answer({ status: 404, reason: 'BadPath' }, apnsId);
      }
      const auth = String(headers.authorization ?? '');
      const jwt = auth.startsWith('bearer ') ? verifyJwt(auth.slice(7), publicKey, 'ES256') : null;
      if (!jwt || jwt.header.kid !== keyId || jwt.claims.iss !== teamId) {
        return answer({ status: 403, reason: 'InvalidProviderToken' }, apnsId);
      }
      let payload: Record<string, unknown> = {};
      let reply: ApnsReply;
      try {
        payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        const queued = scripts.get(nth(match, 1));
        if (body.length > 4096) reply = { status: 413, reason: 'PayloadTooLarge' };
        else if (!headers['apns-topic']) reply = { status: 400, reason: 'MissingTopic' };
        else reply = queued?.shift() ?? APNS_REPLIES.success;
      } catch {
        reply = { status: 400, reason: 'PayloadEmpty' };
      }
      requests.push({
        deviceToken: nth(match, 1),
        headers,
        jwt: jwt.claims,
        payload,
        payloadBytes: body.length,
        reply,
      });
      answer(reply, apnsId);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: '127.0.0.1',
    port,
    ca: tls.ca,
    signingKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId,
    teamId,
    requests,
    script: (deviceToken, ...replies) => scripts.set(deviceToken, [...(scripts.get(deviceToken) ?? []), ...replies]),
    requestsFor: (deviceToken) => requests.filter((r) => r.deviceToken === deviceToken),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // node-apn keeps its HTTP/2 session open; do not wait for the client to hang up.
        for (const session of sessions) session.destroy();
      }),
  };
}
