// `npm run bench -- campaigns`: segments and campaign fan-out (docs/campaigns.md).
// 1. Segment preview (count + 20 ids) on TACT_BENCH_SEGMENT_USERS stored users (default 1,000,000), per filter, ms.
// 2. Fan-out of a TACT_BENCH_CAMPAIGN_USERS-member campaign (default 10,000; the figure is 100,000:
//    `TACT_BENCH_CAMPAIGN_USERS=100000 npm run bench -- campaigns`) into user workflows, with the bundled Temporal
//    server and the campaign worker each in an OS process of their own (bench/fanout/): users/s, against the server's
//    own signal-with-start rate measured in the same run from the worker process with the same concurrency (the
//    ceiling a fan-out can reach; half of it before the fan-out and half after, so load drift and the server's growing
//    store weigh on both); the campaign workflow's history events across its continue-as-new runs per 100,000 users;
//    RSS and heap of server, worker and bench process along the run. User workflows are started and signalled but
//    not run (no worker polls their queue), so the figures measure the hand-over, not the users' planning.
// The fan-out needs DATABASE_URL (a PostgreSQL server both processes reach; the bench creates a database of its own
// there and drops it at the end); without it only the segment preview runs, on a temporary PGlite.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { CampaignRepository } from '../db/campaigns';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/pool';
import { SegmentRepository } from '../db/segments';
import { nth, present } from '../domain/present';
import { validateSegment, type Segment } from '../domain/segment';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  campaignProgressQuery,
  campaignWorkflowId,
  type CampaignWorkflowInput,
} from '../workflows/campaign/definitions';
import { campaignHistory } from './fanout/history';
import { printMemory, printRetained, type Phase } from './fanout/memory-report';
import { MemoryLog, startServerProcess, startWorkerProcess } from './fanout/processes';

const SEGMENT_USERS = Number(process.env.TACT_BENCH_SEGMENT_USERS ?? 1_000_000);
const CAMPAIGN_USERS = Number(process.env.TACT_BENCH_CAMPAIGN_USERS ?? 10_000);
const CONCURRENCY = 32;
const SAMPLE_MS = Number(process.env.TACT_BENCH_SAMPLE_MS ?? 2_000);

function segment(filter: unknown): Segment {
  const result = validateSegment(filter);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.segment;
}

export async function run(): Promise<void> {
  if (!Number.isInteger(CAMPAIGN_USERS) || CAMPAIGN_USERS < 2 || CAMPAIGN_USERS > SEGMENT_USERS)
    throw new Error(
      `TACT_BENCH_CAMPAIGN_USERS must be an integer from 2 to TACT_BENCH_SEGMENT_USERS (${SEGMENT_USERS})`,
    );
  const serverUrl = process.env.DATABASE_URL;
  const scratch = serverUrl ? await createScratchDatabase(serverUrl) : undefined;
  const dataDir = scratch ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'tact-bench-campaigns-'));
  const db = await openDatabase(
    scratch ? { databaseUrl: scratch.url } : { dataDir: present(dataDir, 'the temporary data dir') },
  );
  try {
    await migrate(db.pool);
    const now = Date.UTC(2026, 11, 1);
    console.log(`seeding ${SEGMENT_USERS.toLocaleString()} users (${db.where}) …`);
    const seeded = performance.now();
    await db.pool.query(
      `INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at)
       SELECT 'u' || lpad(i::text, 8, '0'),
              (ARRAY['America/Sao_Paulo','Europe/Paris','Asia/Tokyo','America/New_York','UTC'])[1 + i % 5],
              (ARRAY['pt-BR','fr-FR','ja-JP','en-US','en'])[1 + i % 5],
              jsonb_build_object('country', (ARRAY['BR','FR','JP','US','GB','DE','IN','MX','ES','IT'])[1 + i % 10],
                                 'fan', i <= $2),
              $1::timestamptz - (i % 400) * interval '1 day', $1::timestamptz
       FROM generate_series(1, $3::int) AS i`,
      [new Date(now), CAMPAIGN_USERS, SEGMENT_USERS],
    );
    await db.pool.query(
      `INSERT INTO endpoints (user_id, channel, platform, address, created_at, updated_at)
       SELECT id, 'push', CASE WHEN right(id, 1) < '6' THEN 'android' ELSE 'ios' END, 'tok-' || id, $1, $1
       FROM users WHERE right(id, 1) <> '9'`,
      [new Date(now)],
    );
    await db.pool.query(
      `INSERT INTO user_sessions (user_id, counts, updated_at, last_at, sessions)
       SELECT id, '[]', $1::timestamptz - (substr(id, 6, 3)::int % 60) * interval '1 day',
              $1::timestamptz - (substr(id, 6, 3)::int % 60) * interval '1 day', 1
       FROM users WHERE right(id, 1) <> '8'`,
      [new Date(now)],
    );
    await db.pool.query('ANALYZE');
    console.log(`seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

    const segments = new SegmentRepository(db.pool);
    const filters: [string, unknown][] = [
      ['country eq BR', { field: 'country', op: 'eq', value: 'BR' }],
      [
        'lapsed Android in Brazil',
        {
          and: [
            { field: 'country', op: 'eq', value: 'BR' },
            { field: 'platform', op: 'has', value: 'android' },
            { field: 'lastActiveAt', op: 'olderThanDays', value: 14 },
          ],
        },
      ],
      ['lifecycleStage at_risk', { field: 'lifecycleStage', op: 'eq', value: 'at_risk' }],
      ['createdAt within 30 days', { field: 'createdAt', op: 'withinLastDays', value: 30 }],
    ];
    console.log(`\nsegment preview (count + 20 ids) on ${SEGMENT_USERS.toLocaleString()} users, median of 3:`);
    for (const [name, filter] of filters) {
      const s = segment(filter);
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        [count] = await Promise.all([segments.count(s, now), segments.page(s, now, { limit: 20 })]);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      console.log(`  ${name.padEnd(28)} ${count.toLocaleString().padStart(9)} members  ${nth(times, 1).toFixed(0)} ms`);
    }

    if (scratch) await fanOut(db.pool, scratch.url, now);
    else console.log('\ncampaign fan-out: not run (it needs DATABASE_URL, a PostgreSQL both its processes reach)');
  } finally {
    await db.close();
    await scratch?.drop();
    if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A database of the bench's own on DATABASE_URL's server (the 1,000,000 seeded users never meet other data). */
async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tact_bench_campaigns_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = new pg.Client({ connectionString: serverUrl });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function fanOut(pool: pg.Pool, databaseUrl: string, now: number): Promise<void> {
  const userQueue = `bench-users-${randomUUID().slice(0, 8)}`;
  const campaignQueue = `bench-campaigns-${randomUUID().slice(0, 8)}`;
  const log = new MemoryLog(SAMPLE_MS);
  const server = await startServerProcess(log);
  let connection: Connection | undefined;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    worker = await startWorkerProcess(log, {
      address: server.address,
      databaseUrl,
      campaignQueue,
      userQueue,
      concurrency: CONCURRENCY,
    });
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    console.log(
      `\nfan-out of ${CAMPAIGN_USERS.toLocaleString()} users: server pid ${server.pid}, worker pid ${worker.pid}, ` +
        `bench pid ${process.pid}; ${os.cpus().length} CPUs, load ${load()} (1/5/15 min)`,
    );
    const phases: Phase[] = [];
    const half = Math.floor(CAMPAIGN_USERS / 2);

    // The server's own rate, from the worker process, half before the fan-out and half after.
    const baselinePhase = async (label: string, prefix: string, count: number) => {
      const from = Date.now();
      const seconds = await present(worker, 'the worker process').baseline({ prefix, count, concurrency: CONCURRENCY });
      phases.push({ label, from, to: Date.now(), users: count });
      console.log(`  ${label.padEnd(12)} ${count.toLocaleString()} signal-with-starts in ${seconds.toFixed(1)} s`);
      return seconds;
    };
    // Warm-up (connections, JIT, the server's first workflows), not measured.
    await present(worker, 'the worker process').baseline({
      prefix: 'warm',
      count: Math.min(2_000, half),
      concurrency: CONCURRENCY,
    });
    await log.settle('start');
    const before = await baselinePhase('baseline 1', 'base1', half);
    await log.settle('after baseline 1');

    const campaignId = `bench-${randomUUID().slice(0, 8)}`;
    await new CampaignRepository(pool).create(
      {
        id: campaignId,
        name: 'bench',
        source: 'campaign',
        status: 'draft',
        spec: {
          segment: segment({ field: 'attributes.fan', op: 'eq', value: true }),
          message: { category: 'content', template: 'new_content', variables: {}, businessValue: 0.5 },
          sendTime: { kind: 'now' },
          ttlMs: 3_600_000,
          ratePerSecond: 10_000,
        },
      },
      now,
    );
    const loadBefore = load();
    const fanFrom = Date.now();
    const fanStarted = performance.now();
    const input: CampaignWorkflowInput = { campaignId };
    const handle = await client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
      workflowId: campaignWorkflowId(campaignId),
      taskQueue: campaignQueue,
      args: [input],
    });
    let handedOver = 0;
    for (;;) {
      const progress = await handle.query(campaignProgressQuery).catch(() => null);
      if (progress?.fannedOut) {
        handedOver = progress.counts.handedOver;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const fanSeconds = (performance.now() - fanStarted) / 1000;
    phases.push({ label: 'fan-out', from: fanFrom, to: Date.now(), users: CAMPAIGN_USERS });
    const loadAfter = load();
    console.log(`  ${'fan-out'.padEnd(12)} ${CAMPAIGN_USERS.toLocaleString()} users in ${fanSeconds.toFixed(1)} s`);

    // Every run of the campaign, first to last, along the continue-as-new chain, as the fan-out left it (the last run
    // then only waits for the candidates' TTL); then it is ended, so it costs nothing during the second baseline.
    const signalling = await present(worker, 'the worker process').signalTime();
    const history = await campaignHistory(client, campaignWorkflowId(campaignId));
    const perRun = history.eventsPerRun;
    const events = perRun.reduce((a, b) => a + b, 0);
    await handle.terminate('bench done');
    await log.settle('after fan-out');
    const after = await baselinePhase('baseline 2', 'base2', CAMPAIGN_USERS - half);
    await log.settle('after baseline 2');
    const baselineRate = CAMPAIGN_USERS / (before + after);
    const fanRate = CAMPAIGN_USERS / fanSeconds;

    // One more sample from each process after the last phase.
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS + 500));
    log.stop();

    const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
    console.log(
      `\nfan-out of ${CAMPAIGN_USERS.toLocaleString()} users (server, worker and bench in their own processes, ${CONCURRENCY} signals at once):`,
    );
    console.log(
      `  server signal-with-start baseline   ${baselineRate.toFixed(0)} users/s (from the worker process; ${(half / before).toFixed(0)} before, ${((CAMPAIGN_USERS - half) / after).toFixed(0)} after the fan-out)`,
    );
    console.log(
      `  campaign fan-out                    ${fanRate.toFixed(0)} users/s = ${pct(fanRate / baselineRate)} of the baseline (${handedOver.toLocaleString()} handed over)`,
    );
    console.log(
      `  campaign history                    ${events.toLocaleString()} events in ${perRun.length} runs (${perRun.join(' + ')}) = ${((events / CAMPAIGN_USERS) * 100_000).toFixed(0)} per 100,000 users`,
    );
    const pages = history.inPages;
    console.log(
      `  where the fan-out's time went       ${history.pages} pages: ${pages.toFixed(1)} s in the page activities, of which ${signalling.seconds.toFixed(1)} s with signals in flight (${(signalling.signals / signalling.seconds).toFixed(0)} signals/s then) and ${(pages - signalling.seconds).toFixed(1)} s without (segment page, target rows); ${(fanSeconds - pages).toFixed(1)} s between pages`,
    );
    console.log(`  load average (1/5/15 min)           ${loadBefore} before the fan-out, ${loadAfter} after it`);
    printMemory(log, phases);
    const phase = (label: string) =>
      present(
        phases.find((p) => p.label === label),
        `the ${label} phase`,
      );
    printRetained(log, [
      { tag: 'start' },
      { tag: 'after baseline 1', after: phase('baseline 1') },
      { tag: 'after fan-out', after: phase('fan-out') },
      { tag: 'after baseline 2', after: phase('baseline 2') },
    ]);
  } finally {
    log.stop();
    await connection?.close();
    await worker?.stop();
    await server.stop();
  }
}
