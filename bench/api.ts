// Load check of the HTTP API: sustained events/s through POST /v1/events:batch and POST /v1/events
// into the user workflows, with request latency percentiles. Runs the whole stack in this process
// (`npm start`'s startup: embedded PGlite, or DATABASE_URL; the bundled Temporal server; the worker).
// Reports numbers only; nothing is asserted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../api/logger';
import { startTact } from '../api/start';
import { ApiKeyRepository } from '../db/api-keys';
import { nth } from '../domain/present';

const USERS = Number(process.env.BENCH_API_USERS ?? 200);
const BATCHES = Number(process.env.BENCH_API_BATCHES ?? 20);
const BATCH_SIZE = 500;
const BATCH_CONCURRENCY = 4;
const SINGLES = Number(process.env.BENCH_API_SINGLES ?? 2_000);
const SINGLE_CONCURRENCY = 32;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function eventFor(n: number, prefix: string) {
  const userId = `bench-${n % USERS}`;
  // One event in ten triggers a candidate (scoring, planning, delivery); the rest only feed the workflow.
  return n % 10 === 0
    ? { id: `${prefix}-${n}`, userId, type: 'friend_joined', properties: { friendId: `f-${n}`, friendName: 'Bo' } }
    : { id: `${prefix}-${n}`, userId, type: 'page_view', properties: { page: 'home' } };
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(nth(items, next++));
    }),
  );
}

export async function run(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-bench-api-'));
  const tact = await startTact({
    env: { TACT_TEMPORAL: 'bundled', ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) },
    ...(process.env.DATABASE_URL ? {} : { dataDir }),
    port: 0,
    temporalPort: 0,
    temporalDbFilename: ':memory:',
    print: () => undefined,
    logger: createLogger({ level: 'warn' }),
  });
  const { key } = await new ApiKeyRepository(tact.database.pool).create(
    { scopes: ['events:write', 'users:read'], name: 'bench' },
    Date.now(),
  );
  const post = async (route: string, body: unknown): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${tact.apiUrl}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`${route} answered ${response.status}`);
    return performance.now() - started;
  };
  const eventsSeen = async (): Promise<number> => {
    let total = 0;
    await pool(
      Array.from({ length: USERS }, (_, i) => `bench-${i}`),
      16,
      async (userId) => {
        const response = await fetch(`${tact.apiUrl}/v1/users/${userId}/state`, {
          headers: { authorization: `Bearer ${key}` },
        });
        if (response.status === 200) total += ((await response.json()) as { stats: { events: number } }).stats.events;
      },
    );
    return total;
  };
  const drain = async (expected: number, since: number): Promise<number> => {
    for (;;) {
      const seen = await eventsSeen();
      if (seen >= expected) return performance.now() - since;
      if (performance.now() - since > 300_000)
        throw new Error(`only ${seen} of ${expected} events applied after 5 min`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  try {
    const rows: string[][] = [];
    const record = (name: string, events: number, latencies: number[], ms: number, drainedMs: number) => {
      const sorted = [...latencies].sort((a, b) => a - b);
      rows.push([
        name,
        String(events),
        String(latencies.length),
        (events / (ms / 1000)).toFixed(0),
        (events / (drainedMs / 1000)).toFixed(0),
        percentile(sorted, 50).toFixed(1),
        percentile(sorted, 99).toFixed(1),
      ]);
    };
    // Warm up: creates the users' workflows and the worker's caches.
    await pool(
      Array.from({ length: USERS }, (_, i) => i),
      SINGLE_CONCURRENCY,
      async (i) => void (await post('/v1/events', eventFor(i, 'warm'))),
    );
    await drain(USERS, performance.now());

    let expected = USERS;
    const batchLatencies: number[] = [];
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: BATCH_SIZE }, (_, i) => eventFor(b * BATCH_SIZE + i, 'batch')),
    );
    let started = performance.now();
    await pool(batches, BATCH_CONCURRENCY, async (events) => {
      batchLatencies.push(await post('/v1/events:batch', { events }));
    });
    let accepted = performance.now() - started;
    expected += BATCHES * BATCH_SIZE;
    record(
      'POST /v1/events:batch (500/call)',
      BATCHES * BATCH_SIZE,
      batchLatencies,
      accepted,
      await drain(expected, started),
    );

    const singleLatencies: number[] = [];
    started = performance.now();
    await pool(
      Array.from({ length: SINGLES }, (_, i) => eventFor(i, 'single')),
      SINGLE_CONCURRENCY,
      async (event) => {
        singleLatencies.push(await post('/v1/events', event));
      },
    );
    accepted = performance.now() - started;
    expected += SINGLES;
    record(
      `POST /v1/events (${SINGLE_CONCURRENCY} in flight)`,
      SINGLES,
      singleLatencies,
      accepted,
      await drain(expected, started),
    );

    // Reads of the decision log: each merges the workflow's `state` query with the database page.
    const readLatencies: number[] = [];
    started = performance.now();
    await pool(
      Array.from({ length: USERS * 2 }, (_, i) => `bench-${i % USERS}`),
      16,
      async (userId) => {
        const begun = performance.now();
        const response = await fetch(`${tact.apiUrl}/v1/users/${userId}/decisions?limit=50`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const page = (await response.json()) as { liveDecisions?: string };
        if (response.status !== 200 || page.liveDecisions !== 'included') {
          throw new Error(`decisions of ${userId}: ${response.status} ${JSON.stringify(page)}`);
        }
        readLatencies.push(performance.now() - begun);
      },
    );
    const readMs = performance.now() - started;
    const reads = [...readLatencies].sort((a, b) => a - b);

    console.log(
      `API load: ${USERS} users, database ${tact.database.kind}, bundled Temporal server, worker in the same process, ${os.cpus().length} CPUs`,
    );
    const header = ['endpoint', 'events', 'requests', 'accepted ev/s', 'applied ev/s', 'p50 ms', 'p99 ms'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => nth(row, i).length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(nth(widths, i))).join('  '));
    console.log(
      'accepted ev/s: acknowledged by the API (each event signalled to its workflow); applied ev/s: until every workflow had processed them; latency per HTTP request.',
    );
    console.log(
      `GET /v1/users/{id}/decisions (merged with the state query, 16 in flight): ${reads.length} requests, ` +
        `${(reads.length / (readMs / 1000)).toFixed(0)} req/s, p50 ${percentile(reads, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(reads, 99).toFixed(1)} ms`,
    );
  } finally {
    await tact.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
