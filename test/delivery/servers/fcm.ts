// A local HTTPS server that speaks Google's OAuth 2.0 token endpoint (JWT bearer grant) and the FCM HTTP v1
// send API (POST /v1/projects/{project}/messages:send), for wire-level tests of firebase-admin.
//
// firebase-admin hard-codes https://fcm.googleapis.com and google-auth-library hard-codes
// https://oauth2.googleapis.com/token; both honour the `httpAgent` option (firebase-admin app options and
// `cert(serviceAccount, httpAgent)`), so `agent` below routes those hosts to this server over TLS, with the
// original host name as SNI and the test CA as the only trusted root. Nothing in the libraries is patched.
import { Agent as HttpsAgent, createServer, type AgentOptions, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { connect, type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testTls } from './tls';
import { verifyJwt } from './jwt';
import { nth } from '../../../domain/present';

export type FcmErrorKind =
  | 'UNREGISTERED'
  /** A garbage token as real FCM answers it: only an FcmError detail, no field violation. */
  | 'INVALID_ARGUMENT_GARBAGE_TOKEN'
  | 'INVALID_ARGUMENT_TOKEN'
  | 'INVALID_ARGUMENT_PAYLOAD'
  | 'QUOTA_EXCEEDED'
  | 'UNAVAILABLE';
export type FcmReply = 'SUCCESS' | FcmErrorKind;

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

/** Error bodies as FCM HTTP v1 returns them. */
function errorResponse(kind: FcmErrorKind): { status: number; body: unknown } {
  switch (kind) {
    case 'UNREGISTERED':
      return {
        status: 404,
        body: {
          error: {
            code: 404,
            message: 'Requested entity was not found.',
            status: 'NOT_FOUND',
            details: [{ '@type': FCM_ERROR, errorCode: 'UNREGISTERED' }],
          },
        },
      };
    case 'INVALID_ARGUMENT_GARBAGE_TOKEN':
      // Verbatim shape of https://firebase.google.com/docs/cloud-messaging/error-codes, example 2.
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: 'The registration token is not a valid FCM registration token',
            status: 'INVALID_ARGUMENT',
            details: [{ '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' }],
          },
        },
      };
    case 'INVALID_ARGUMENT_TOKEN':
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: 'The registration token is not a valid FCM registration token',
            status: 'INVALID_ARGUMENT',
            details: [
              { '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' },
              {
                '@type': BAD_REQUEST,
                fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }],
              },
            ],
          },
        },
      };
    case 'INVALID_ARGUMENT_PAYLOAD':
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: 'Invalid value at message.android.notification.tag',
            status: 'INVALID_ARGUMENT',
            details: [
              { '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' },
              {
                '@type': BAD_REQUEST,
                fieldViolations: [{ field: 'message.android.notification.tag', description: 'Invalid value' }],
              },
            ],
          },
        },
      };
    case 'QUOTA_EXCEEDED':
      return {
        status: 429,
        body: {
          error: {
            code: 429,
            message: 'Quota exceeded for device',
            status: 'RESOURCE_EXHAUSTED',
            details: [{ '@type': FCM_ERROR, errorCode: 'QUOTA_EXCEEDED' }],
          },
        },
      };
    case 'UNAVAILABLE':
      return {
        status: 503,
        body: {
          error: {
            code: 503,
            message: 'The service is currently unavailable.',
            status: 'UNAVAILABLE',
            details: [{ '@type': FCM_ERROR, errorCode: 'UNAVAILABLE' }],
          },
        },
      };
  }
}

export interface FcmSendRequest {
  projectId: string;
  headers: IncomingHttpHeaders;
  /** The `message` object of the request body, exactly as sent. */
  message: Record<string, unknown> & { token?: string };
  reply: FcmReply;
}

export interface TokenRequest {
  claims: Record<string, unknown>;
}

export interface FakeFcm {
  port: number;
  projectId: string;
  /** A service account whose key this server trusts. */
  serviceAccount: { type: string; project_id: string; client_email: string; private_key: string; token_uri: string };
  /** The same service account as a JSON file (deleted on close). */
  serviceAccountFile: string;
  /** Routes fcm.googleapis.com and oauth2.googleapis.com to this server; pass as firebase-admin's httpAgent. */
  agent: HttpsAgent;
  sends: FcmSendRequest[];
  tokenRequests: TokenRequest[];
  /** Access tokens this server issued. */
  issuedTokens: Set<string>;
  script(deviceToken: string, ...replies: FcmReply[]): void;
  sendsFor(deviceToken: string): FcmSendRequest[];
  close(): Promise<void>;
}

class RedirectingAgent extends HttpsAgent {
  constructor(
    private readonly target: { host: string; port: number },
    private readonly hosts: ReadonlySet<string>,
    options: AgentOptions,
  ) {
    super(options);
  }

  // The Agent uses the returned socket directly (and calls its own callback for it).
  override createConnection(options: ConnectionOptions): Duplex {
    const host = options.host ?? '';
    if (!this.hosts.has(host)) throw new Error(`test agent refuses to connect to ${host}`);
    return connect({ ...options, host: this.target.host, port: this.target.port, servername: host });
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeFcm(options: { projectId?: string } = {}): Promise<FakeFcm> {
  const tls = testTls();
  const projectId = options.projectId ?? 'tact-test-project';
  const clientEmail = `tact-sender@${projectId}.iam.gserviceaccount.com`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const scripts = new Map<string, FcmReply[]>();
  const sends: FcmSendRequest[] = [];
  const tokenRequests: TokenRequest[] = [];
  const issuedTokens = new Set<string>();

  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void (async () => {
      const body = await readBody(req);
      const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
      if (host === 'oauth2.googleapis.com' && req.method === 'POST' && req.url === '/token') {
        const form = new URLSearchParams(body);
        const jwt = verifyJwt(form.get('assertion') ?? '', publicKey, 'RS256');
        if (
          form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
          !jwt ||
          jwt.claims.iss !== clientEmail
        ) {
          return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
        }
        tokenRequests.push({ claims: jwt.claims });
        const accessToken = `ya29.test-${randomUUID()}`;
        issuedTokens.add(accessToken);
        return json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
      }
      const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
      if (host !== 'fcm.googleapis.com' || req.method !== 'POST' || !match) {
        return json(res, 404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
      }
      const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!issuedTokens.has(bearer)) {
        return json(res, 401, {
          error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
        });
      }
      const message = (JSON.parse(body) as { message: FcmSendRequest['message'] }).message;
      const reply = (message.token !== undefined && scripts.get(message.token)?.shift()) || 'SUCCESS';
      sends.push({ projectId: nth(match, 1), headers: req.headers, message, reply });
      if (reply === 'SUCCESS') return json(res, 200, { name: `projects/${match[1]}/messages/${randomUUID()}` });
      const error = errorResponse(reply);
      return json(res, error.status, error.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new RedirectingAgent(
    { host: '127.0.0.1', port },
    new Set(['fcm.googleapis.com', 'oauth2.googleapis.com']),
    {
      ca: tls.ca,
      keepAlive: true,
    },
  );

  const serviceAccount = {
    type: 'service_account',
    project_id: projectId,
    client_email: clientEmail,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    token_uri: 'https://oauth2.googleapis.com/token',
  };
  const dir = mkdtempSync(join(tmpdir(), 'tact-fcm-'));
  const serviceAccountFile = join(dir, 'service-account.json');
  writeFileSync(serviceAccountFile, JSON.stringify(serviceAccount), { mode: 0o600 });

  return {
    port,
    projectId,
    serviceAccount,
    serviceAccountFile,
    agent,
    sends,
    tokenRequests,
    issuedTokens,
    script: (deviceToken, ...replies) => scripts.set(deviceToken, [...(scripts.get(deviceToken) ?? []), ...replies]),
    sendsFor: (deviceToken) => sends.filter((s) => s.message.token === deviceToken),
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        rmSync(dir, { recursive: true, force: true });
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
