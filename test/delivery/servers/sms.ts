// A local HTTP server with the Twilio Messages API shape:
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP basic auth (sid:token).
// Beyond Twilio's own API it offers what other SMS APIs do (README, "Where tests use fakes"): an `Idempotency-Key`
// header (a repeated key answers the first message again and texts nobody), and a `ClientReference` field stored with
// the message and listed by GET .../Messages.json?ClientReference=… (the status lookup by client reference).
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
  /** `replayed`: the idempotency key was seen before; the first message's answer was repeated, nothing was sent. */
  reply: SmsReply | 'created' | 'replayed';
}

/** A text that left for a handset. */
export interface SmsMessageSent {
  sid: string;
  to: string;
  body: string;
  clientReference?: string;
}

export interface FakeSms {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Every POST, replays included. */
  requests: SmsRequest[];
  /** Every text sent (a replay sends none). */
  messages: SmsMessageSent[];
  /** Every status lookup (GET), by the client reference asked for. */
  lookups: string[];
  script(to: string, ...replies: SmsReply[]): void;
  /** Answers a created message only after this delay (the text is already sent): a crash can fall in between. */
  delayReplies(ms: number): void;
  /** How many created messages have been answered (with delayReplies, some may still be held). */
  readonly answered: number;
  close(): Promise<void>;
}

export async function startFakeSms(): Promise<FakeSms> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const scripts = new Map<string, SmsReply[]>();
  const requests: SmsRequest[] = [];
  const messages: SmsMessageSent[] = [];
  const lookups: string[] = [];
  const byIdempotencyKey = new Map<string, { status: number; body: unknown }>();
  let replyDelayMs = 0;
  let answered = 0;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://sms.invalid');
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      if ((req.method !== 'POST' && req.method !== 'GET') || !match) {
        return send(404, { code: 20404, message: 'Not found', status: 404 });
      }
      if (req.headers.authorization !== expectedAuth || match[1] !== accountSid) {
        return send(401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      if (req.method === 'GET') {
        const reference = url.searchParams.get('ClientReference') ?? '';
        lookups.push(reference);
        const found = messages.filter((m) => m.clientReference === reference);
        return send(200, {
          messages: found.map((m) => ({ sid: m.sid, to: m.to, status: 'sent', client_reference: m.clientReference })),
        });
      }
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const key = req.headers['idempotency-key'];
      const earlier = typeof key === 'string' ? byIdempotencyKey.get(key) : undefined;
      if (earlier !== undefined) {
        requests.push({ accountSid: match[1], headers: req.headers, form, reply: 'replayed' });
        return send(earlier.status, earlier.body);
      }
      const reply = scripts.get(form.To ?? '')?.shift();
      requests.push({ accountSid: match[1], headers: req.headers, form, reply: reply ?? 'created' });
      if (reply) return send(reply.status, reply.body);
      const sid = `SM${randomBytes(16).toString('hex')}`;
      messages.push({
        sid,
        to: form.To ?? '',
        body: form.Body ?? '',
        ...(form.ClientReference === undefined ? {} : { clientReference: form.ClientReference }),
      });
      const created = { sid, status: 'queued', to: form.To, body: form.Body, client_reference: form.ClientReference };
      if (typeof key === 'string') byIdempotencyKey.set(key, { status: 201, body: created });
      const answer = () => {
        send(201, created);
        answered += 1;
      };
      if (replyDelayMs > 0) setTimeout(answer, replyDelayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    messages,
    lookups,
    delayReplies: (ms) => {
      replyDelayMs = ms;
    },
    get answered() {
      return answered;
    },
    script: (to, ...replies) => scripts.set(to, [...(scripts.get(to) ?? []), ...replies]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
