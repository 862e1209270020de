// Embedded mode: the API and every activity share one database connection. A request that cannot get it within
// the acquire timeout answers 503 with Retry-After instead of waiting forever (or answering 500).
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { migrate } from '../../db/migrate';
import { openDatabase, type Database } from '../../db/pool';
import { createRepositories } from '../../db/repositories';
import { ScriptedWorkflows } from './scripted-workflows';
import { callApi, createKeys, listen } from './support';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-pool-timeout-'));
let database: Database;
let server: http.Server;
let baseUrl: string;
let key: string;

beforeAll(async () => {
  database = await openDatabase({ dataDir, acquireTimeoutMs: 300 });
  await migrate(database.pool);
  const repos = createRepositories(database.pool);
  ({ server, baseUrl } = await listen(
    createApp({
      repos,
      pool: database.pool,
      workflows: new ScriptedWorkflows(),
      logger: createLogger({ level: 'silent' }),
      retryAfterSeconds: 4,
    }).app,
  ));
  key = (await createKeys(repos)).admin;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('a busy embedded database connection', () => {
  it('answers 503 with Retry-After once the acquire timeout passes, and serves again when it is free', async () => {
    const holder = await database.pool.connect();
    let response;
    try {
      response = await callApi(baseUrl, 'POST', '/v1/events', {
        key,
        json: { id: 'e-1', userId: 'pool-user', type: 'app_opened' },
      });
    } finally {
      holder.release();
    }
    expect(response.status, JSON.stringify(response.body)).toBe(503);
    expect(response.headers.get('retry-after')).toBe('4');
    expect(response.body.type).toBe('urn:tact:problem:database-unavailable');
    const retry = await callApi(baseUrl, 'POST', '/v1/events', {
      key,
      json: { id: 'e-1', userId: 'pool-user', type: 'app_opened' },
    });
    expect(retry.status).toBe(202);
  });
});
