// Structured logs (pino). Secrets never reach them: credentials and tokens are redacted by path,
// and the request log names the route template, never the raw URL (device tokens travel in paths).
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'key',
  'apiKey',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  // Email addresses and phone numbers (PUT /v1/users/{id}/endpoints/…) are PII.
  'address',
  '*.address',
  'phone',
  '*.phone',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'tact-api',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
}
