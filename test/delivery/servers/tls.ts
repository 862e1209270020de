// A throwaway TLS identity for the fake provider servers: one self-signed certificate (trusted by the clients
// under test as their CA) valid for localhost, 127.0.0.1 and the Google hosts firebase-admin connects to.
// Node has no API to create X.509 certificates, so this uses the openssl CLI and fails loudly without it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestTls {
  key: string;
  cert: string;
  /** Same PEM as `cert`: the certificate is self-signed. */
  ca: string;
}

export const TLS_HOSTS = ['localhost', 'fcm.googleapis.com', 'oauth2.googleapis.com'];

let cached: TestTls | undefined;

export function testTls(): TestTls {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'tact-tls-'));
  try {
    const san = [...TLS_HOSTS.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '2',
          '-subj',
          '/CN=tact-test-provider',
          '-addext',
          `subjectAltName=${san}`,
          '-addext',
          'basicConstraints=critical,CA:TRUE',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (error) {
      throw new Error(
        `Cannot create the test TLS certificate with the openssl CLI (is openssl installed and on PATH?): ${String(error)}`,
        { cause: error },
      );
    }
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    cached = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert, ca: cert };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
