// `npm start`'s startup function on embedded defaults: PGlite in a temporary directory and the bundled
// offline Temporal server, all in this process; then an API-only start against the same data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntimeActivities, type RuntimeActivitiesOptions } from '../../activities/runtime';
import { createLogger } from '../../api/logger';
import { startTact, type RunningTact } from '../../api/start';
import { waitFor } from '../support/wait';
import { callApi } from './support';
import { present } from '../../domain/present';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-start-test-'));
const temporalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-start-temporal-'));
const running: RunningTact[] = [];

afterAll(async () => {
  for (const tact of running.reverse()) await tact.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(temporalDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('comes up on embedded defaults, prints the admin key once and answers /readyz', async () => {
    const lines: string[] = [];
    const tact = await startTact({
      env: { TACT_TEMPORAL: 'bundled' },
      dataDir,
      port: 0,
      temporalPort: 0,
      temporalDbFilename: path.join(temporalDir, 'first.db'),
      print: (line) => lines.push(line),
      logger: createLogger({ level: 'silent' }),
    });
    running.push(tact);
    expect(tact.role).toBe('all');
    expect(tact.database.kind).toBe('embedded');
    expect(lines.filter((line) => line.startsWith('Temporal:'))).toEqual([
      expect.stringContaining('bundled offline dev server'),
    ]);
    expect(lines.some((line) => line.includes(present(tact.adminKey, 'tact.adminKey')))).toBe(true);
    const ready = await callApi(present(tact.apiUrl, 'tact.apiUrl'), 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', temporal: 'ok' });
    const outbox = await callApi(present(tact.apiUrl, 'tact.apiUrl'), 'GET', '/v1/outbox', {
      key: present(tact.adminKey, 'tact.adminKey'),
    });
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
    const ready = await callApi(present(tact.apiUrl, 'tact.apiUrl'), 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('ok');
    expect(ready.body.checks.temporal).not.toBe('ok');
    expect((await callApi(present(tact.apiUrl, 'tact.apiUrl'), 'GET', '/healthz')).status).toBe(200);
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
      temporalDbFilename: ':memory:',
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

  it('a restart keeps a pending notification (the bundled Temporal keeps its file) and sends it at its planned time', async () => {
    const options = {
      // A 20 s cooldown holds the second notification back long enough to restart in between.
      env: { TACT_TEMPORAL: 'bundled', TACT_POLICY: '{"cooldownMs":20000}' },
      dataDir: path.join(dataDir, 'restart'),
      port: 0,
      temporalPort: 0,
      temporalDbFilename: path.join(temporalDir, 'restart.db'),
      print: () => undefined,
      logger: createLogger({ level: 'silent' }),
    };
    const userId = 'restart-user';
    const first = await startTact(options);
    running.push(first);
    const key = present(first.adminKey, 'first.adminKey');
    expect(
      (
        await callApi(present(first.apiUrl, 'first.apiUrl'), 'PUT', `/v1/users/${userId}`, {
          key,
          json: { timeZone: 'UTC', locale: 'en' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await callApi(
          present(first.apiUrl, 'first.apiUrl'),
          'PUT',
          `/v1/users/${userId}/devices/${'cd34'.repeat(16)}`,
          {
            key,
            json: { platform: 'ios' },
          },
        )
      ).status,
    ).toBe(201);
    // Real time here (npm start's own Temporal): night delivery keeps quiet hours out of it at any time of day.
    expect(
      (
        await callApi(present(first.apiUrl, 'first.apiUrl'), 'PATCH', `/v1/users/${userId}/preferences`, {
          key,
          json: { nightDelivery: true },
        })
      ).status,
    ).toBeLessThan(300);
    for (const invoiceId of ['inv-1', 'inv-2']) {
      const sent = await callApi(present(first.apiUrl, 'first.apiUrl'), 'POST', '/v1/events', {
        key,
        json: { id: `evt-${invoiceId}`, userId, type: 'payment_failed', properties: { invoiceId, retryInDays: 3 } },
      });
      expect(sent.status).toBe(202);
    }
    await waitFor('the first notification sent at once', async () => {
      const outbox = await callApi(present(first.apiUrl, 'first.apiUrl'), 'GET', `/v1/outbox?userId=${userId}`, {
        key,
      });
      return outbox.body.entries?.length === 1 ? true : undefined;
    });
    const planned = await waitFor('the second notification planned after the cooldown', async () => {
      const state = await callApi(present(first.apiUrl, 'first.apiUrl'), 'GET', `/v1/users/${userId}/state`, { key });
      const next = state.body.nextPlannedSend;
      return next !== undefined && Date.parse(next.at) > Date.now() ? next : undefined;
    });

    await first.stop();
    running.splice(running.indexOf(first), 1);
    const second = await startTact(options);
    running.push(second);
    const entries = await waitFor(
      'the planned notification sent after the restart',
      async () => {
        const outbox = await callApi(present(second.apiUrl, 'second.apiUrl'), 'GET', `/v1/outbox?userId=${userId}`, {
          key,
        });
        return outbox.body.entries?.length === 2 ? outbox.body.entries : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const later = entries.find((e: { notificationId: string }) => e.notificationId === planned.candidateId);
    expect(later, JSON.stringify(entries)).toBeDefined();
    expect(Date.parse(later.createdAt)).toBeGreaterThanOrEqual(Date.parse(planned.at));
  });
});
