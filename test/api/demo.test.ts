// `npm run demo` against a server that is already running: it uses that server (and says so), and its closing
// links point at it, so they still work after the demo exits.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useApiStack } from './support';

const stack = useApiStack({ worker: true });
const root = path.resolve(__dirname, '../..');

function demo(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'api/demo.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run demo', () => {
  it('uses the server answering at TACT_URL, and leaves its users there', async () => {
    const { baseUrl } = stack();
    const result = await demo({ TACT_URL: baseUrl, TACT_API_KEY: stack().keys.admin });
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain(`Demo against the running Tact at ${baseUrl}`);
    expect(result.out).not.toContain('starting one in this process');
    expect(result.out).toContain(`Inspect more: GET ${baseUrl}/v1/users/{id}/state`);
    // The demo's users live on in the server it used.
    const userId = /━━ (\S+)/.exec(result.out)?.[1];
    expect(userId, result.out).toBeDefined();
    const state = await stack().call('GET', `/v1/users/${userId}/state`);
    expect(state.status).toBe(200);
  }, 240_000);

  it('asks for the key of the server it found, and fails on a URL where none answers', async () => {
    const noKey = await demo({ TACT_URL: stack().baseUrl });
    expect(noKey.code).toBe(1);
    expect(noKey.out).toMatch(/a Tact API answers at .*TACT_API_KEY/);
    const nothing = await demo({ TACT_URL: 'http://127.0.0.1:9', TACT_API_KEY: 'tact_x' });
    expect(nothing.code).toBe(1);
    expect(nothing.out).toContain('no Tact API answers at http://127.0.0.1:9');
  }, 120_000);
});
