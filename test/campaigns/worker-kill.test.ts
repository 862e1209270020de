// Fault drill for the campaign fan-out, sized for CI: the worker is a real child process (`workers/main.ts`) on a
// PostgreSQL cluster of the test's own and the bundled Temporal server. A campaign to 300 users at 20 users/s hands
// pages of 100; the worker is SIGKILLed while a page is in flight (its rows `targeted`, not yet `handed_over`) and a
// new worker process is started. Every member must end targeted once: one target row, and in their own workflow one
// admitted candidate and one decision for the campaign; users handed over before the kill are never signalled again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignCandidateId } from '../../domain/campaign';
import { candidateSignal, stateQuery, userWorkflowId } from '../../workflows/definitions';
import { uniqueId } from '../api/support';
import { startDrillStack, type DrillStack } from '../support/drill-stack';
import { TEST_START_MS } from '../support/test-clock';
import { waitFor } from '../support/wait';

const USERS = 300;
const RATE_PER_SECOND = 20; // pages of 100 users (rate × 5 s), a few seconds apart: the kill lands mid-fan-out
const CANDIDATE_TTL_MS = 40_000;

let stack: DrillStack;

const call = (method: string, urlPath: string, json?: unknown) => stack.call(method, urlPath, json);

beforeAll(async () => {
  stack = await startDrillStack('tact-fanout-kill');
}, 180_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

const targetRows = async (campaignId: string) =>
  (
    await stack.db.pool.query<{ user_id: string; status: string }>(
      'SELECT user_id, status FROM campaign_targets WHERE campaign_id = $1',
      [campaignId],
    )
  ).rows;

/** How many times the user's workflow was handed this candidate (signals in its history, whoever sent them). */
async function handOvers(userId: string, candidateId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(userWorkflowId(userId)).fetchHistory();
  const decode = (data: Uint8Array | null | undefined) =>
    data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string }) : {};
  return (history.events ?? []).filter((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== candidateSignal.name) return false;
    return (signal.input?.payloads ?? []).some((p) => decode(p.data).id === candidateId);
  }).length;
}

describe('campaign fan-out under a worker kill', () => {
  it('SIGKILLed mid-page and restarted: every member targeted exactly once, the campaign completes', async () => {
    const cohort = uniqueId('kill');
    const users = Array.from({ length: USERS }, (_, i) => `${cohort}-${String(i).padStart(3, '0')}`);
    await stack.db.pool.query(
      `INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at)
       SELECT u.id, 'UTC', 'en', jsonb_build_object('cohort', $3::text), $2, $2 FROM unnest($1::text[]) AS u(id)`,
      [users, new Date(TEST_START_MS), cohort],
    );
    const id = cohort.toLowerCase();
    const created = await call('POST', '/v1/campaigns', {
      id,
      name: 'Fan-out kill drill',
      segment: { field: 'attributes.cohort', op: 'eq', value: cohort },
      message: {
        category: 'marketing',
        template: 'promo_available',
        variables: { offer: 'x', discount: 0.2, ends_at: '2099-03-09T00:00:00Z' },
      },
      ttl: '1m',
      ratePerSecond: RATE_PER_SECOND,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // The campaign stays open until its last candidate expires (so a cancel can still withdraw it): 1 minute is the
    // shortest TTL the API takes, a minute this drill would only wait at its end. The draft's stored spec gets a shorter
    // one, still well past the page retry (after the 20 s heartbeat timeout), so the members of the page retried after
    // the kill reach their workflows before their candidate expires, as with a real TTL.
    await stack.db.pool.query(
      `UPDATE campaigns SET spec = jsonb_set(spec, '{ttlMs}', to_jsonb($2::int)) WHERE id = $1`,
      [id, CANDIDATE_TTL_MS],
    );
    const started = await call('POST', `/v1/campaigns/${id}:start`);
    expect(started.status, JSON.stringify(started.body)).toBe(202);

    // A page in flight after at least one page was handed over: rows written `targeted`, signals under way.
    const atKill = await waitFor(
      'a page in flight after the first one',
      async () => {
        const rows = await targetRows(id);
        const handed = rows.filter((r) => r.status === 'handed_over').length;
        const inFlight = rows.filter((r) => r.status === 'targeted').map((r) => r.user_id);
        return handed > 0 && inFlight.length > 0
          ? { handed: new Set(rows.filter((r) => r.status === 'handed_over').map((r) => r.user_id)), inFlight }
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20, describe: stack.worker.output },
    );
    await stack.worker.kill('SIGKILL');
    // The API reads the stored counts at once, then asks the campaign workflow for its live view, which no worker
    // answers until one runs again: the answer is awaited after the restart (not for the server's query timeout).
    const viewAtKill = call('GET', `/v1/campaigns/${id}`);
    await stack.worker.start();
    const progressAtKill = (await viewAtKill).body.progress;
    expect(progressAtKill.handedOver).toBeGreaterThan(0);
    expect(progressAtKill.handedOver).toBeLessThan(USERS);

    await waitFor(
      'the campaign completed',
      async () => ((await call('GET', `/v1/campaigns/${id}`)).body.status === 'completed' ? true : undefined),
      { timeoutMs: 240_000, intervalMs: 500, describe: stack.worker.output },
    );
    const done = await call('GET', `/v1/campaigns/${id}`);
    expect(done.body.progress).toMatchObject({ segmentSize: USERS, targeted: USERS, handedOver: USERS, late: 0 });
    const rows = await targetRows(id);
    expect(rows).toHaveLength(USERS);
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set(users));
    expect(rows.every((r) => r.status === 'handed_over')).toBe(true);

    const candidateId = campaignCandidateId(id);
    // Completion waits for the candidates' expiry, not for their outcomes to be written: a member whose planned send time
    // falls just before the expiry may still be writing it.
    const decided = await waitFor(
      'every member’s decision in the decision log',
      async () => {
        const result = await stack.db.pool.query<{ user_id: string; n: string }>(
          'SELECT user_id, count(*) AS n FROM decisions WHERE candidate_id = $1 GROUP BY user_id',
          [candidateId],
        );
        return result.rows.length >= USERS ? result : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, describe: stack.worker.output },
    );
    expect(decided.rows).toHaveLength(USERS);
    expect(decided.rows.every((r) => r.n === '1')).toBe(true);
    let resignalled = 0;
    for (const userId of users) {
      const state = await stack.client.workflow.getHandle(userWorkflowId(userId)).query(stateQuery);
      // Decided once (at admission or later); a second admission would be a second decision or a queued copy.
      expect(state.stats.candidatesAdmitted, userId).toBeLessThanOrEqual(1);
      expect(
        state.queue.filter((c) => c.id === candidateId),
        userId,
      ).toEqual([]);
      expect(
        state.recentDecisions.filter((d) => d.candidateId === candidateId),
        userId,
      ).toHaveLength(1);
      const received = await handOvers(userId, candidateId);
      expect(received, userId).toBeGreaterThanOrEqual(1);
      // Only the page in flight at the kill may be signalled again by its retry; the user workflow keeps one.
      if (atKill.handed.has(userId)) expect(received, `${userId} handed over before the kill`).toBe(1);
      else expect(received, userId).toBeLessThanOrEqual(2);
      if (received > 1) {
        expect(atKill.inFlight, `${userId} re-signalled`).toContain(userId);
        resignalled += 1;
      }
    }
    expect(resignalled).toBeLessThanOrEqual(atKill.inFlight.length);
  }, 420_000);
});
