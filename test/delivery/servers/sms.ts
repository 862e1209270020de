// A local HTTP server with the Twilio Messages API shape:
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP basic auth (sid:token).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface SmsReply {
  status: number;
  body: Record<string, unknown>;
}

export const SMS_REPLIES = {
  invalidNumber: {
    status: 400,
    body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 },
  },
  unsubscribed: {
    status: 400,
    body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 },
  },
  senderNotAllowed: {
    status: 400,
    body: {
      code: 21606,
      message: "The 'From' phone number provided is not a valid message-capable number",
      status: 400,
    },
  },
  tooManyRequests: { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } },
  serverError: { status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } },
  bodyTooLong: {
    status: 400,
    body: { code: 21617, message: 'The concatenated message body exceeds the 1600 character limit', status: 400 },
  },
} satisfies Record<string, SmsReply>;

export interface SmsRequest {
  accountSid: string;
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
  reply: SmsReply | 'created';
}

export interface FakeSms {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  requests: SmsRequest[];
  script(to: string, ...replies: SmsReply[]): void;
  close(): Promise<void>;
}

export async function startFakeSms(): Promise<FakeSms> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const scripts = new Map<string, SmsReply[]>();
  const requests: SmsRequest[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return send(404, { code: 20404, message: 'Not found', status: 404 });
      if (req.headers.authorization !== expectedAuth || match[1] !== accountSid) {
        return send(401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const reply = scripts.get(form.To ?? '')?.shift();
      requests.push({ accountSid: match[1], headers: req.headers, form, reply: reply ?? 'created' });
      if (reply) return send(reply.status, reply.body);
      return send(201, { sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued', to: form.To, body: form.Body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    script: (to, ...replies) => scripts.set(to, [...(scripts.get(to) ?? []), ...replies]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
