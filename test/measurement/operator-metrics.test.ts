// Operators' metrics after real sends: `npm start`'s startup function (every role in one process, the bundled
// Temporal server, embedded PostgreSQL) with the live FCM provider against the local wire-level FCM server. Two
// critical pushes go out, one accepted and one answered UNREGISTERED; then the API's /metrics and the worker's own
// endpoint (TACT_WORKER_METRICS_PORT) are scraped and read series by series.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcmProvider } from '../../activities/delivery/providers/fcm';
import { createRuntimeActivities, type RuntimeActivitiesOptions } from '../../activities/runtime';
import { createLogger } from '../../api/logger';
import { startTact, type RunningTact } from '../../api/start';
import { startFakeFcm, type FakeFcm } from '../delivery/servers/fcm';
import { waitFor } from '../support/wait';
import { callApi } from '../api/support';
import { nth, present } from '../../domain/present';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-operator-metrics-'));
const USERS = [
  { id: 'metrics-ok', token: 'fcm-metrics-token-ok-0001', reply: 'SUCCESS' as const },
  { id: 'metrics-gone', token: 'fcm-metrics-token-gone-0001', reply: 'UNREGISTERED' as const },
];

let fcm: FakeFcm;
let fcmProvider: FcmProvider;
let tact: RunningTact;
let lines: string[];

/** Prometheus text → sample value by series (`name{label="v",…}` with labels sorted, or `name`). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(labels.length > 0 ? `${match[1]}{${labels.join(',')}}` : nth(match, 1), Number(match[3]));
  }
  return out;
}

/** Sum of every series of `name` whose labels include all of `having`. */
function total(series: Map<string, number>, name: string, having: string[] = []): number {
  let sum = 0;
  for (const [key, value] of series) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (having.every((label) => key.includes(label))) sum += value;
  }
  return sum;
}

async function scrape(url: string): Promise<{ text: string; series: Map<string, number> }> {
  const answer = await fetch(url);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await answer.text();
  return { text, series: samples(text) };
}

beforeAll(async () => {
  fcm = await startFakeFcm();
  fcmProvider = new FcmProvider({
    serviceAccount: { kind: 'file', path: fcm.serviceAccountFile },
    httpAgent: fcm.agent,
  });
  for (const user of USERS) fcm.script(user.token, user.reply);
  lines = [];
  tact = await startTact({
    env: { TACT_TEMPORAL: 'bundled', TACT_WORKER_METRICS_PORT: '0' },
    dataDir,
    port: 0,
    temporalPort: 0,
    temporalDbFilename: ':memory:',
    print: (line) => lines.push(line),
    logger: createLogger({ level: 'silent' }),
    // FCM is reached through the fake server's agent, which firebase-admin only takes in code (no variable).
    createActivities: (options: RuntimeActivitiesOptions) =>
      createRuntimeActivities({ ...options, providers: { fcm: fcmProvider } }),
  });
  const key = present(tact.adminKey, 'tact.adminKey');
  for (const user of USERS) {
    const put = await callApi(present(tact.apiUrl, 'tact.apiUrl'), 'PUT', `/v1/users/${user.id}`, {
      key,
      json: { timeZone: 'UTC', locale: 'en' },
    });
    expect(put.status).toBe(201);
    const device = await callApi(
      present(tact.apiUrl, 'tact.apiUrl'),
      'PUT',
      `/v1/users/${user.id}/devices/${user.token}`,
      {
        key,
        json: { platform: 'android' },
      },
    );
    expect(device.status).toBe(201);
    // Critical: sent at once, whatever the hour.
    const event = await callApi(present(tact.apiUrl, 'tact.apiUrl'), 'POST', '/v1/events', {
      key,
      json: { id: `evt-${user.id}`, userId: user.id, type: 'password_reset', properties: { expiresInMinutes: 15 } },
    });
    expect(event.status).toBe(202);
  }
  await waitFor('both pushes reached FCM and were recorded', async () => {
    const sent = await tact.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM decisions WHERE user_id = ANY($1)`,
      [USERS.map((u) => u.id)],
    );
    return fcm.sends.length === 2 && nth(sent.rows, 0).n === 2 ? true : undefined;
  });
});

afterAll(async () => {
  await tact?.stop();
  await fcmProvider?.close();
  await fcm?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('metrics for operators', () => {
  it('the worker endpoint counts deliveries by provider and result, times them, and serves the SDK metrics', async () => {
    expect(tact.workerMetricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(lines).toContain(`Worker metrics: ${tact.workerMetricsUrl} (Tact's and the Temporal SDK's)`);
    const { series } = await scrape(present(tact.workerMetricsUrl, 'tact.workerMetricsUrl'));

    expect(series.get('tact_deliveries_total{provider="fcm",result="ok"}')).toBe(1);
    expect(series.get('tact_deliveries_total{provider="fcm",result="permanent"}')).toBe(1);
    expect(total(series, 'tact_deliveries_total')).toBe(fcm.sends.length);
    // One latency sample per provider call, each a positive duration, and every one within the largest bucket.
    const count = series.get('tact_provider_latency_seconds_count{provider="fcm"}');
    expect(count).toBe(2);
    expect(series.get('tact_provider_latency_seconds_sum{provider="fcm"}')).toBeGreaterThan(0);
    expect(series.get('tact_provider_latency_seconds_bucket{le="+Inf",provider="fcm"}')).toBe(count);

    // The worker's lag: every activity attempt it started waited a measured time on the task queue.
    const sends = series.get('tact_activity_schedule_to_start_seconds_count{activity="sendNotification"}');
    expect(sends).toBe(2);
    expect(
      series.get('tact_activity_schedule_to_start_seconds_sum{activity="sendNotification"}'),
    ).toBeGreaterThanOrEqual(0);

    // The Temporal SDK's own metrics, read from its exporter and served on the same port.
    expect(series.get('tact_worker_sdk_metrics_up')).toBe(1);
    expect(
      total(series, 'temporal_activity_execution_latency_count', ['activity_type="sendNotification"']),
    ).toBeGreaterThanOrEqual(2);
    expect(total(series, 'temporal_activity_schedule_to_start_latency_count')).toBeGreaterThanOrEqual(2);
    expect(total(series, 'temporal_workflow_task_schedule_to_start_latency_count')).toBeGreaterThan(0);
  });

  it("the API's /metrics has the same delivery series (one process), the dispatcher lag and the decisions", async () => {
    const { series } = await scrape(`${tact.apiUrl}/metrics`);
    expect(series.get('tact_deliveries_total{provider="fcm",result="ok"}')).toBe(1);
    expect(series.get('tact_deliveries_total{provider="fcm",result="permanent"}')).toBe(1);
    expect(series.get('tact_provider_latency_seconds_count{provider="fcm"}')).toBe(2);
    expect(series.get('tact_activity_schedule_to_start_seconds_count{activity="sendNotification"}')).toBe(2);
    // Every accepted event was handed to its workflow: no backlog, no lag.
    expect(series.get('tact_ingest_undelivered')).toBe(0);
    expect(series.get('tact_ingest_oldest_undelivered_seconds')).toBe(0);
    // One push sent; the other's only endpoint answered UNREGISTERED, so that notification failed…
    const sent = series.get('tact_decisions{outcome="sent",reason=""}') ?? 0;
    const failed = series.get('tact_decisions{outcome="suppressed",reason="delivery_failed"}') ?? 0;
    expect([sent, failed]).toEqual([1, 1]);
    // …and the dead token is the uninstall signal, attributed to nothing sent before it (the failed push never was).
    expect(series.get('tact_attributed_churn{kind="uninstall"}') ?? 0).toBe(0);
  });
});
