// `npm start`'s startup function on embedded defaults: PGlite in a temporary directory and the bundled
// offline Temporal server, all in this process; then an API-only start against the same data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntimeActivities, type RuntimeActivitiesOptions } from '../../activities/runtime';
import { createLogger } from '../../api/logger';
import { startTact, type RunningTact } from '../../api/start';
import { callApi } from './support';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-start-test-'));
const running: RunningTact[] = [];

afterAll(async () => {
  for (const tact of running.reverse()) await tact.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('comes up on embedded defaults, prints the admin key once and answers /readyz', async () => {
    const lines: string[] = [];
    const tact = await startTact({
      env: { TACT_TEMPORAL: 'bundled' },
      dataDir,
      port: 0,
      temporalPort: 0,
      print: (line) => lines.push(line),
      logger: createLogger({ level: 'silent' }),
    });
    running.push(tact);
    expect(tact.role).toBe('all');
    expect(tact.database.kind).toBe('embedded');
    expect(lines.filter((line) => line.startsWith('Temporal:'))).toEqual([
      expect.stringContaining('bundled offline dev server'),
    ]);
    expect(lines.some((line) => line.includes(tact.adminKey!))).toBe(true);
    const ready = await callApi(tact.apiUrl!, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', temporal: 'ok' });
    const outbox = await callApi(tact.apiUrl!, 'GET', '/v1/outbox', { key: tact.adminKey! });
    expect(outbox.status).toBe(200);
    await tact.stop();
    running.pop();
  });

  it('as the api role on the same data: no new admin key, and not ready while Temporal is unreachable', async () => {
    const lines: string[] = [];
    const tact = await startTact({
      env: { TACT_ROLE: 'api', TEMPORAL_ADDRESS: '127.0.0.1:1' },
      dataDir,
      port: 0,
      print: (line) => lines.push(line),
      logger: createLogger({ level: 'silent' }),
    });
    running.push(tact);
    expect(tact.adminKey).toBeUndefined();
    expect(lines.join('\n')).not.toMatch(/tact_[0-9a-f]{16}_/);
    const ready = await callApi(tact.apiUrl!, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('ok');
    expect(ready.body.checks.temporal).not.toBe('ok');
    expect((await callApi(tact.apiUrl!, 'GET', '/healthz')).status).toBe(200);
  });

  it('hands TACT_POLICY to the worker activities in roles all and worker', async () => {
    const policies: RuntimeActivitiesOptions['policy'][] = [];
    const createActivities = (options: RuntimeActivitiesOptions) => {
      policies.push(options.policy);
      return createRuntimeActivities(options);
    };
    const TACT_POLICY = '{"dailyCap":2,"categories":{"social":{"sensitive":true}}}';
    const all = await startTact({
      env: { TACT_TEMPORAL: 'bundled', TACT_POLICY },
      dataDir: path.join(dataDir, 'policy-all'),
      port: 0,
      temporalPort: 0,
      print: () => undefined,
      logger: createLogger({ level: 'silent' }),
      createActivities,
    });
    running.push(all);
    const worker = await startTact({
      env: { TACT_ROLE: 'worker', TEMPORAL_ADDRESS: all.temporalAddress, TACT_POLICY },
      dataDir: path.join(dataDir, 'policy-worker'),
      print: () => undefined,
      logger: createLogger({ level: 'silent' }),
      createActivities,
    });
    running.push(worker);
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy?.dailyCap).toBe(2);
      expect(policy?.categories['social']?.sensitive).toBe(true);
      // Defaults stay for what the overrides leave out.
      expect(policy?.categories['security']?.sensitive).toBe(true);
    }
  });
});
