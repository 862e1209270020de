// `npm run bench -- campaigns`: segments and campaign fan-out (docs/campaigns.md).
// 1. Segment preview (count + 20 ids) on TACT_BENCH_SEGMENT_USERS stored users (default 1,000,000), per filter, ms.
// 2. Fan-out of a TACT_BENCH_CAMPAIGN_USERS-member campaign (default 100,000) into user workflows on the bundled
//    server: users/s, against the server's own signal-with-start throughput measured in the same run with the same
//    concurrency (the ceiling a fan-out can reach); the campaign workflow's history events per 100,000 users; the
//    worker process's heap across the fan-out. User workflows are started and signalled but not run (no worker polls
//    their queue), so both figures measure the hand-over, not the users' planning.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { createCampaignActivities } from '../activities/campaign';
import { CampaignRepository } from '../db/campaigns';
import { SegmentRepository } from '../db/segments';
import { validateSegment, type Segment } from '../domain/segment';
import type { Candidate, EpochMs } from '../domain/types';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  campaignProgressQuery,
  campaignWorkflowId,
  type CampaignWorkflowInput,
} from '../workflows/campaign/definitions';
import { candidateSignal, USER_WORKFLOW_TYPE, userWorkflowId } from '../workflows/definitions';
import { WORKFLOWS_PATH } from '../workers/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/pool';
import { createTestEnv } from '../test/temporal-env';
import { nth, present } from '../domain/present';
import { minutes, probability, addMs, days, epochMs } from '../domain/units';

const SEGMENT_USERS = Number(process.env.TACT_BENCH_SEGMENT_USERS ?? 1_000_000);
const CAMPAIGN_USERS = Number(process.env.TACT_BENCH_CAMPAIGN_USERS ?? 100_000);
const CONCURRENCY = 32;
const DAY = days(1);

function segment(filter: unknown): Segment {
  const result = validateSegment(filter);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.segment;
}

export async function run(): Promise<void> {
  // DATABASE_URL's PostgreSQL (the bench's tables go in a fresh database you give it), else a temporary PGlite.
  const databaseUrl = process.env.DATABASE_URL;
  const dataDir = databaseUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'tact-bench-campaigns-'));
  const db = await openDatabase(
    databaseUrl ? { databaseUrl } : { dataDir: present(dataDir, 'the temporary data dir') },
  );
  await migrate(db.pool);
  try {
    const now = epochMs(Date.UTC(2026, 11, 1));
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

    await fanOut(db.pool, now);
  } finally {
    await db.close();
    if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function fanOut(pool: import('pg').Pool, now: EpochMs): Promise<void> {
  const env = await createTestEnv({ mode: 'local' });
  try {
    const userQueue = `bench-users-${randomUUID().slice(0, 8)}`;
    const campaignQueue = `bench-campaigns-${randomUUID().slice(0, 8)}`;
    const client = env.client;
    const candidate = (userId: string, tag: string): Candidate => ({
      id: `${tag}`,
      userId,
      category: 'content',
      template: 'new_content',
      variables: {},
      createdAt: now,
      expiresAt: addMs(now, DAY),
      businessValue: probability(0.5),
      source: 'api',
    });

    // Baseline: the server's own signal-with-start rate, same concurrency, same number of new user workflows.
    const baselineIds = Array.from({ length: CAMPAIGN_USERS }, (_, i) => `base-${i}`);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < baselineIds.length) {
          const userId = nth(baselineIds, next++);
          await client.workflow.signalWithStart(USER_WORKFLOW_TYPE, {
            workflowId: userWorkflowId(userId),
            taskQueue: userQueue,
            args: [{ userId }],
            signal: candidateSignal,
            signalArgs: [candidate(userId, 'baseline')],
          });
        }
      }),
    );
    const baselineRate = CAMPAIGN_USERS / ((performance.now() - started) / 1000);

    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: campaignQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
      activities: createCampaignActivities({ pool, client, taskQueue: userQueue, concurrency: CONCURRENCY }),
    });
    const running = worker.run();
    try {
      const campaignId = `bench-${randomUUID().slice(0, 8)}`;
      await new CampaignRepository(pool).create(
        {
          id: campaignId,
          name: 'bench',
          source: 'campaign',
          status: 'draft',
          spec: {
            segment: segment({ field: 'attributes.fan', op: 'eq', value: true }),
            message: { category: 'content', template: 'new_content', variables: {}, businessValue: probability(0.5) },
            sendTime: { kind: 'now' },
            ttlMs: minutes(1),
            ratePerSecond: 10_000,
          },
        },
        now,
      );
      const heap: number[] = [];
      const sampler = setInterval(() => heap.push(process.memoryUsage().heapUsed), 1_000);
      const fanStarted = performance.now();
      const input: CampaignWorkflowInput = { campaignId };
      const handle = await client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
        workflowId: campaignWorkflowId(campaignId),
        taskQueue: campaignQueue,
        args: [input],
      });
      for (;;) {
        const progress = await handle.query(campaignProgressQuery).catch(() => null);
        if (progress?.fannedOut) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const fanRate = CAMPAIGN_USERS / ((performance.now() - fanStarted) / 1000);
      clearInterval(sampler);

      // Every run of the campaign, first to last, along the continue-as-new chain.
      const workflowId = campaignWorkflowId(campaignId);
      const latest = await client.workflow.getHandle(workflowId).fetchHistory();
      let runId = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
      let events = 0;
      let runs = 0;
      while (runId) {
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        events += history.events?.length ?? 0;
        runs += 1;
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      const mb = (bytes: number) => (bytes / 1_048_576).toFixed(0);
      console.log(
        `\nfan-out of ${CAMPAIGN_USERS.toLocaleString()} users (bundled server, ${CONCURRENCY} signals at once):`,
      );
      console.log(`  server signal-with-start baseline   ${baselineRate.toFixed(0)} users/s`);
      console.log(
        `  campaign fan-out                    ${fanRate.toFixed(0)} users/s = ${((fanRate / baselineRate) * 100).toFixed(0)} % of the baseline`,
      );
      console.log(
        `  campaign history                    ${events} events in ${runs} runs = ${((events / CAMPAIGN_USERS) * 100_000).toFixed(0)} per 100,000 users`,
      );
      console.log(
        `  heap during fan-out                 first ${mb(heap[0] ?? 0)} MB, max ${mb(Math.max(...heap, 0))} MB, last ${mb(heap.at(-1) ?? 0)} MB (${heap.length} samples)`,
      );
      await handle.terminate('bench done');
    } finally {
      worker.shutdown();
      await running;
    }
  } finally {
    await env.teardown();
  }
}
