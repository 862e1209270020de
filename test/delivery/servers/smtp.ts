// A local SMTP server (smtp-server) offering STARTTLS with the test certificate and requiring AUTH; every
// accepted message is parsed with postal-mime. Recipients can be scripted to be refused with an SMTP reply.
import { SMTPServer } from 'smtp-server';
import PostalMime from 'postal-mime';
import type { AddressInfo } from 'node:net';
import { testTls } from './tls';

type ParsedEmail = Awaited<ReturnType<typeof PostalMime.parse>>;

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** Whether the session was upgraded to TLS before the message was sent. */
  secure: boolean;
  user: string | undefined;
  raw: string;
  parsed: ParsedEmail;
  /** Lower-cased header name → value (last one wins). */
  header(name: string): string | undefined;
}

export interface SmtpRefusal {
  code: number;
  message: string;
}

export interface FakeSmtp {
  host: string;
  port: number;
  ca: string;
  user: string;
  pass: string;
  received: ReceivedMail[];
  refuseRecipient(address: string, refusal: SmtpRefusal): void;
  close(): Promise<void>;
}

export async function startFakeSmtp(): Promise<FakeSmtp> {
  const tls = testTls();
  const user = 'tact-mailer';
  const pass = 'test-password-not-a-secret';
  const refusals = new Map<string, SmtpRefusal>();
  const received: ReceivedMail[] = [];

  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user });
      return callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      const refusal = refusals.get(address.address);
      if (!refusal) return callback();
      const error = new Error(refusal.message) as Error & { responseCode: number };
      error.responseCode = refusal.code;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        PostalMime.parse(raw)
          .then((parsed) => {
            received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              secure: session.secure,
              user: session.user as string | undefined,
              raw: raw.toString('utf8'),
              parsed,
              header: (name) => parsed.headers.filter((h) => h.key === name.toLowerCase()).at(-1)?.value,
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    ca: tls.ca,
    user,
    pass,
    received,
    refuseRecipient: (address, refusal) => refusals.set(address, refusal),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
