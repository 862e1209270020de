// Load check of the HTTP API, on the embedded database and (with DATABASE_URL) on PostgreSQL in a scratch schema:
// events/s accepted through POST /v1/events:batch and POST /v1/events with latency percentiles, events/s applied by
// the user workflows, the dispatcher's lag while it hands them over, GET /v1/users/{id}/state latency while single
// events are ingested, and as baseline in the same run, the same rows inserted bare through pg on the same pool.
// Runs the whole stack in this process (`npm start`'s startup, bundled Temporal server, worker). Nothing is asserted.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createLogger } from '../api/logger';
import { startTact } from '../api/start';
import { ApiKeyRepository } from '../db/api-keys';
import { nth, present } from '../domain/present';
import { IngestQueueRepository } from '../db/ingest-queue';
import { wallClock } from '../clock';

const USERS = Number(process.env.BENCH_API_USERS ?? 200);
const BATCHES = Number(process.env.BENCH_API_BATCHES ?? 20);
const BATCH_SIZE = 500;
const BATCH_CONCURRENCY = 4;
const SINGLES = Number(process.env.BENCH_API_SINGLES ?? 2_000);
const SINGLE_CONCURRENCY = 32;
const STATE_READERS = 4;

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

/** Events the API hands to workflows: those that make a candidate (the others change nothing there). */
const reachingWorkflows = (events: { type: string }[]) => events.filter((e) => e.type === 'friend_joined').length;

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(nth(items, next++));
    }),
  );
}

const perSecond = (count: number, ms: number) => (count / (ms / 1000)).toFixed(0);

/** Samples the dispatcher's lag (undelivered items, age of the oldest) until stopped; returns the worst seen. */
function sampleLag(queue: IngestQueueRepository) {
  let worst = { undelivered: 0, oldestAgeMs: 0 };
  let running = true;
  const sampling = (async () => {
    while (running) {
      const lag = await queue.lag(wallClock());
      worst = {
        undelivered: Math.max(worst.undelivered, lag.undelivered),
        oldestAgeMs: Math.max(worst.oldestAgeMs, lag.oldestAgeMs),
      };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return async () => {
    running = false;
    await sampling;
    return worst;
  };
}

interface Target {
  name: string;
  databaseUrl?: string;
  cleanup(): Promise<void>;
}

/** A scratch schema on the server of DATABASE_URL, so the bench leaves the database as it found it. */
async function scratchSchema(serverUrl: string): Promise<Target> {
  const schema = `tact_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    name: 'PostgreSQL',
    databaseUrl: url.toString(),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

export async function run(): Promise<void> {
  const targets: Target[] = [{ name: 'embedded PGlite', cleanup: async () => {} }];
  if (process.env.DATABASE_URL) targets.push(await scratchSchema(process.env.DATABASE_URL));
  for (const target of targets) {
    try {
      await runOn(target);
    } finally {
      await target.cleanup();
    }
  }
}

async function runOn(target: Target): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-bench-api-'));
  const tact = await startTact({
    env: { TACT_TEMPORAL: 'bundled', ...(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : {}) },
    ...(target.databaseUrl ? {} : { dataDir }),
    port: 0,
    temporalPort: 0,
    temporalDbFilename: ':memory:',
    print: () => undefined,
    logger: createLogger({ level: 'warn' }),
  });
  const db = tact.database.pool;
  const queue = new IngestQueueRepository(db);
  const { key } = await new ApiKeyRepository(db).create(
    { scopes: ['events:write', 'users:read'], name: 'bench' },
    wallClock(),
  );
  const headers = { authorization: `Bearer ${key}` };
  const post = async (route: string, body: unknown): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${tact.apiUrl}${route}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
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
        const response = await fetch(`${tact.apiUrl}/v1/users/${userId}/state`, { headers });
        if (response.status === 200) total += ((await response.json()) as { stats: { events: number } }).stats.events;
      },
    );
    return total;
  };
  // Applied: every item handed over (dispatcher lag 0), then every workflow's view counts the events.
  const drain = async (expected: number, since: number): Promise<number> => {
    for (;;) {
      if ((await queue.lag(wallClock())).undelivered === 0 && (await eventsSeen()) >= expected) {
        return performance.now() - since;
      }
      if (performance.now() - since > 600_000) throw new Error(`events not applied after 10 min`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  try {
    const rows: string[][] = [];
    const record = (name: string, events: number, latencies: number[], ms: number, applied: string, lag: string) => {
      const sorted = [...latencies].sort((a, b) => a - b);
      rows.push([
        name,
        String(events),
        String(latencies.length),
        perSecond(events, ms),
        applied,
        percentile(sorted, 50).toFixed(1),
        percentile(sorted, 99).toFixed(1),
        lag,
      ]);
    };
    const lagText = (lag: { undelivered: number; oldestAgeMs: number }) =>
      `${lag.undelivered} / ${(lag.oldestAgeMs / 1000).toFixed(1)} s`;

    // Baseline: the same rows, inserted bare through pg on the same pool (no HTTP, no validation, no idempotency).
    const table = `bench_baseline_${randomBytes(4).toString('hex')}`;
    await db.query(
      `CREATE TABLE ${table} (id text PRIMARY KEY, user_id text NOT NULL, event jsonb NOT NULL, at timestamptz NOT NULL)`,
    );
    const baselineSingle: number[] = [];
    let started = performance.now();
    await pool(
      Array.from({ length: SINGLES }, (_, i) => eventFor(i, 'base')),
      SINGLE_CONCURRENCY,
      async (event) => {
        const begun = performance.now();
        await db.query(`INSERT INTO ${table} VALUES ($1, $2, $3, now())`, [event.id, event.userId, event]);
        baselineSingle.push(performance.now() - begun);
      },
    );
    const baselineSingleMs = performance.now() - started;
    record('baseline: INSERT one row (pg)', SINGLES, baselineSingle, baselineSingleMs, '-', '-');
    const baselineBatch: number[] = [];
    started = performance.now();
    await pool(
      Array.from({ length: BATCHES }, (_, b) =>
        Array.from({ length: BATCH_SIZE }, (_, i) => eventFor(b * BATCH_SIZE + i, 'baseb')),
      ),
      BATCH_CONCURRENCY,
      async (events) => {
        const begun = performance.now();
        await db.query(
          `INSERT INTO ${table} SELECT e->>'id', e->>'userId', e, now() FROM jsonb_array_elements($1::jsonb) AS e`,
          [JSON.stringify(events)],
        );
        baselineBatch.push(performance.now() - begun);
      },
    );
    const baselineBatchMs = performance.now() - started;
    record(`baseline: INSERT ${BATCH_SIZE} rows (pg)`, BATCHES * BATCH_SIZE, baselineBatch, baselineBatchMs, '-', '-');
    await db.query(`DROP TABLE ${table}`);

    // Warm up: creates the users' workflows and the worker's caches.
    const warm = Array.from({ length: USERS }, (_, i) => ({
      ...eventFor(i, 'warm'),
      type: 'friend_joined',
      properties: { friendId: `w-${i}`, friendName: 'Bo' },
    }));
    await pool(warm, SINGLE_CONCURRENCY, async (event) => void (await post('/v1/events', event)));
    await drain(USERS, performance.now());

    let expected = USERS;
    const batchLatencies: number[] = [];
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: BATCH_SIZE }, (_, i) => eventFor(b * BATCH_SIZE + i, 'batch')),
    );
    let stopLag = sampleLag(queue);
    started = performance.now();
    await pool(batches, BATCH_CONCURRENCY, async (events) => {
      batchLatencies.push(await post('/v1/events:batch', { events }));
    });
    let accepted = performance.now() - started;
    expected += reachingWorkflows(batches.flat());
    let applied = perSecond(BATCHES * BATCH_SIZE, await drain(expected, started));
    record(
      `POST /v1/events:batch (${BATCH_SIZE}/call)`,
      BATCHES * BATCH_SIZE,
      batchLatencies,
      accepted,
      applied,
      lagText(await stopLag()),
    );

    // Single events, while STATE_READERS clients read users' state.
    const singleLatencies: number[] = [];
    const stateLatencies: number[] = [];
    let staleReads = 0;
    let ingesting = true;
    const reading = Promise.all(
      Array.from({ length: STATE_READERS }, async (_, reader) => {
        for (let n = reader; ingesting; n += STATE_READERS) {
          const begun = performance.now();
          const response = await fetch(`${tact.apiUrl}/v1/users/bench-${(n * 7) % USERS}/state`, { headers });
          const body = (await response.json()) as { stale?: boolean };
          if (response.status !== 200) throw new Error(`state answered ${response.status}`);
          stateLatencies.push(performance.now() - begun);
          if (body.stale === true) staleReads += 1;
        }
      }),
    );
    const singles = Array.from({ length: SINGLES }, (_, i) => eventFor(i, 'single'));
    stopLag = sampleLag(queue);
    started = performance.now();
    await pool(singles, SINGLE_CONCURRENCY, async (event) => {
      singleLatencies.push(await post('/v1/events', event));
    });
    accepted = performance.now() - started;
    ingesting = false;
    await reading;
    expected += reachingWorkflows(singles);
    applied = perSecond(SINGLES, await drain(expected, started));
    record(
      `POST /v1/events (${SINGLE_CONCURRENCY} in flight)`,
      SINGLES,
      singleLatencies,
      accepted,
      applied,
      lagText(await stopLag()),
    );
    const states = [...stateLatencies].sort((a, b) => a - b);

    console.log(
      `API load on ${target.name}: ${USERS} users, bundled Temporal server, worker and dispatcher in the same process, ${os.cpus().length} CPUs`,
    );
    const header = ['what', 'events', 'requests', 'accepted ev/s', 'applied ev/s', 'p50 ms', 'p99 ms', 'worst lag'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => nth(row, i).length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(nth(widths, i))).join('  '));
    const rate = (what: string) =>
      Number(
        nth(
          present(
            rows.find((r) => nth(r, 0).startsWith(what)),
            `the ${what} row`,
          ),
          3,
        ),
      );
    const ratio = (api: string, base: string) => (rate(api) / rate(base)).toFixed(2);
    console.log(
      `accepted / baseline: single ×${ratio('POST /v1/events (', 'baseline: INSERT one')}, batch ×${ratio('POST /v1/events:batch', `baseline: INSERT ${BATCH_SIZE}`)}. ` +
        'accepted: answered 202 (stored; queued for its workflow when it makes a candidate, 1 in 10 here); ' +
        'applied: until the dispatcher handed everything over and every workflow counted its events; ' +
        'worst lag: most undelivered items / oldest undelivered age seen by the dispatcher during the phase.',
    );
    console.log(
      `GET /v1/users/{id}/state during the single-event phase (${STATE_READERS} in flight): ${states.length} requests, ` +
        `p50 ${percentile(states, 50).toFixed(1)} ms, p99 ${percentile(states, 99).toFixed(1)} ms, ` +
        `${staleReads} answered from the stored view (stale: true)`,
    );
  } finally {
    await tact.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
