// The built entry point (`node dist/api/main.js`, what the image runs) stops gracefully on SIGTERM: an email
// in flight to a local SMTP server that holds its reply is finished and recorded before the process exits 0.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../db/pool';
import { startDevServer, type DevServer } from '@tact/temporal-devserver';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { present } from '../../domain/present';

const root = path.resolve(__dirname, '../..');
const GRACE_MS = 20_000;

interface HeldSmtp {
  port: number;
  /** Resolves when a message's data has arrived and its reply is being held. */
  arrived: Promise<void>;
  /** Lets the held message be accepted. */
  release(): void;
  accepted: number;
  close(): Promise<void>;
}

async function startHeldSmtp(): Promise<HeldSmtp> {
  let signalArrived!: () => void;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: HeldSmtp = {
    port: 0,
    arrived: new Promise<void>((resolve) => (signalArrived = resolve)),
    release,
    accepted: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        signalArrived();
        void released.then(() => {
          held.accepted += 1;
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  held.port = (server.server.address() as AddressInfo).port;
  return held;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('the built entry point', () => {
  let smtp: HeldSmtp;
  let temporal: DevServer | undefined;
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    // The image's build step: compiled JavaScript and the prebuilt workflow bundle.
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    expect(fs.existsSync(path.join(root, 'dist/workers/workflow-bundle.js'))).toBe(true);
    smtp = await startHeldSmtp();
    temporal = await startDevServer({ port: 0, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES } });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-graceful-'));
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await smtp?.close();
    await temporal?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the send in flight on SIGTERM, records it, and exits 0', async () => {
    const proc = spawn(process.execPath, ['dist/api/main.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        // The built entry point runs against a Temporal address, as in the image (the offline server ships as
        // TypeScript for development and is not part of the build).
        TEMPORAL_ADDRESS: present(temporal, 'temporal').address,
        TACT_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        TACT_SHUTDOWN_GRACE_MS: String(GRACE_MS),
        TACT_SMTP_HOST: '127.0.0.1',
        TACT_SMTP_PORT: String(smtp.port),
        TACT_SMTP_REQUIRE_TLS: 'false',
        TACT_EMAIL_FROM: 'Tact <tact@example.org>',
        TACT_UNSUBSCRIBE_SECRET: 'graceful-shutdown-test-secret-0123456789',
        TACT_PUBLIC_URL: 'http://127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const exit = exited(proc);
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const { apiUrl, key } = await vi.waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`exited early:\n${output}`);
        const url = /API:\s+(http:\/\/\S+)\/v1/.exec(output)?.[1];
        const admin = /First admin API key \(shown once, store it now\): (\S+)/.exec(output)?.[1];
        if (!url || !admin || !output.includes('Tact is running')) throw new Error(`not started yet:\n${output}`);
        return { apiUrl: url, key: admin };
      },
      { timeout: 120_000, interval: 200 },
    );
    const call = async (method: string, route: string, body: unknown) => {
      const response = await fetch(`${apiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, `${method} ${route}: ${await response.clone().text()}`).toBeLessThan(300);
    };
    const userId = 'graceful-1';
    await call('PUT', `/v1/users/${userId}`, { timeZone: 'UTC', locale: 'en' });
    await call('PUT', `/v1/users/${userId}/endpoints/email`, { address: 'ada@example.org' });
    // Security alerts go out at once, whatever the hour.
    await call('POST', '/v1/events', {
      id: 'reset-1',
      userId,
      type: 'password_reset',
      properties: { expiresInMinutes: 15 },
    });

    await smtp.arrived;
    proc.kill('SIGTERM');
    // The process waits for the activity: still running while the provider holds its reply.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(proc.exitCode, output).toBeNull();
    smtp.release();

    // Exit 0 means it stopped by itself: past TACT_SHUTDOWN_GRACE_MS (+ a margin) it exits 1 (workers/lifecycle.ts).
    expect(await exit, output).toEqual({ code: 0, signal: null });
    expect(output).toContain('Tact stopping');
    expect(smtp.accepted).toBe(1);

    const database = await openDatabase({ dataDir });
    try {
      const { rows } = await database.pool.query<{ outcome: string; channel: string }>(
        'SELECT outcome, channel FROM decisions WHERE user_id = $1',
        [userId],
      );
      expect(rows).toEqual([{ outcome: 'sent', channel: 'email' }]);
      const ledger = await database.pool.query<{ status: string }>(
        'SELECT status FROM delivery_ledger WHERE user_id = $1',
        [userId],
      );
      expect(ledger.rows).toEqual([{ status: 'sent' }]);
    } finally {
      await database.close();
    }
  }, 240_000);
});
