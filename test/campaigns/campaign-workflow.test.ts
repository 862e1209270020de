// The campaign workflow on the time-skipping server, with real user workflows (in-memory stores, dry-run delivery) and
// the segment and target tables in a real database (PostgreSQL with DATABASE_URL, else PGlite). The campaign runs on
// its own task queue, so a test can stop its worker mid-fan-out and start another.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaignActivities, type SignalUser } from '../../activities/campaign';
import { TactUserClient } from '../../api/user-client';
import { CampaignRepository } from '../../db/campaigns';
import { campaignCandidateId, type CampaignSpec } from '../../domain/campaign';
import { validateSegment } from '../../domain/segment';
import { atLocalTime, localDate, localParts } from '../../domain/time';
import type { Decision } from '../../domain/types';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  campaignProgressQuery,
  campaignWorkflowId,
  cancelCampaignUpdate,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  type CampaignWorkflowInput,
} from '../../workflows/campaign/definitions';
import type { campaignWorkflow } from '../../workflows/campaign/workflow';
import { TactCampaignState } from '../../workflows/search-attributes';
import { defineHarness, uniqueUser } from '../workflows/support/harness';
import { TEST_START_MS } from '../support/test-clock';
import { useTestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';
import { minuteOfDay, probability, hours } from '../../domain/units';
import { utc } from '../support/instants';
import { wallClock } from '../../clock';
import { present } from '../../domain/present';

const ZONES = [
  'Pacific/Auckland',
  'Australia/Sydney',
  'Asia/Tokyo',
  'Asia/Kolkata',
  'Europe/Moscow',
  'Europe/Paris',
  'UTC',
  'America/Sao_Paulo',
  'America/New_York',
  'America/Los_Angeles',
];

/** Users per zone in the local-time campaign: one of them capped, the others sent on the day. */
const PER_ZONE = 10;

const harness = defineHarness();
const db = useTestDatabase();

describe('campaign workflow', () => {
  const campaignQueue = `tact-campaigns-${randomUUID().slice(0, 8)}`;
  /** Every hand-over signal, by user (a retried page may re-send one: the user workflow keeps one candidate). */
  const signalled = new Map<string, number>();
  let hold: ((candidate: Parameters<SignalUser>[0]) => Promise<void>) | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const startWorker = async () => {
    const users = new TactUserClient(harness.client, { taskQueue: harness.taskQueue });
    worker = await Worker.create({
      connection: harness.env.nativeConnection,
      namespace: harness.env.namespace ?? 'default',
      taskQueue: campaignQueue,
      workflowBundle: harness.bundle,
      activities: createCampaignActivities({
        pool: db().pool,
        client: harness.client,
        taskQueue: harness.taskQueue,
        now: () => wallClock(),
        signalUser: async (candidate) => {
          await hold?.(candidate);
          signalled.set(candidate.userId, (signalled.get(candidate.userId) ?? 0) + 1);
          await users.proposeCandidate(candidate);
        },
      }),
      shutdownGraceTime: '1s',
    });
    running = worker.run();
  };
  const stopWorker = async () => {
    worker?.shutdown();
    await running;
    worker = undefined;
  };

  beforeAll(async () => {
    await startWorker();
  });
  afterAll(async () => {
    if (worker) await stopWorker();
  });

  /** `count` users per zone, stored in the database (for the segment) and in the harness's settings (for workflows). */
  const seed = async (tag: string, perZone: number): Promise<{ id: string; zone: string }[]> => {
    const users: { id: string; zone: string }[] = [];
    for (const zone of ZONES) {
      for (let i = 0; i < perZone; i++) {
        const id = uniqueUser(`${tag}-${i}`);
        users.push({ id, zone });
        harness.settings.store(id, { timeZone: zone, locale: 'en' });
      }
    }
    await db().pool.query(
      `INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at)
       SELECT u.id, u.zone, 'en', jsonb_build_object('cohort', $3::text), $2, $2
       FROM unnest($1::text[], $4::text[]) AS u(id, zone)`,
      [users.map((u) => u.id), new Date(TEST_START_MS), tag, users.map((u) => u.zone)],
    );
    return users;
  };
  const listed = async (query: string) => {
    const ids: string[] = [];
    for await (const w of harness.client.workflow.list({ query })) ids.push(w.workflowId);
    return ids;
  };
  /** What the Temporal UI shows as the workflow's current details (the SDK's built-in metadata query). */
  const currentDetails = async (handle: { query<R>(name: string): Promise<R> }) =>
    (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
  const createCampaign = async (id: string, tag: string, spec: Omit<CampaignSpec, 'segment' | 'message'>) => {
    const segment = validateSegment({ field: 'attributes.cohort', op: 'eq', value: tag });
    if (!segment.ok) throw new Error('bad segment');
    await new CampaignRepository(db().pool).create(
      {
        id,
        name: id,
        source: 'campaign',
        status: 'draft',
        spec: {
          segment: segment.segment,
          message: {
            category: 'marketing',
            template: 'promo_available',
            variables: { offer: 'x', discount: 0.2, ends_at: utc(2099, 2, 9) },
            businessValue: probability(0.9),
          },
          ...spec,
        },
      },
      TEST_START_MS,
    );
    const input: CampaignWorkflowInput = { campaignId: id };
    return harness.client.workflow.start<typeof campaignWorkflow>(CAMPAIGN_WORKFLOW_TYPE, {
      workflowId: campaignWorkflowId(id),
      taskQueue: campaignQueue,
      args: [input],
    });
  };
  const targets = async (id: string) =>
    (
      await db().pool.query<{ user_id: string; status: string }>(
        'SELECT user_id, status FROM campaign_targets WHERE campaign_id = $1',
        [id],
      )
    ).rows;
  const deliveriesOf = (id: string) =>
    harness.deliveries.filter((d) => d.input.candidate.id === campaignCandidateId(id));

  it('reaches users in 10 zones at 08:00 local, once each; a capped user is deferred to the next day, not dropped', async () => {
    const users = await seed('local', PER_ZONE);
    // One user per zone has had the day's 3 sends before 08:00 local (daily cap).
    const capped = new Set(users.filter((_, i) => i % PER_ZONE === 0).map((u) => u.id));
    for (const user of users.filter((u) => capped.has(u.id))) {
      const sends: Decision[] = [1, 2, 3].map((h) => ({
        candidateId: `earlier-${h}`,
        category: 'content',
        outcome: {
          kind: 'sent',
          channel: 'push',
          at: atLocalTime({ year: 2099, month: 1, day: 8 }, minuteOfDay(h * 60), user.zone),
        },
      }));
      await harness.decisions.recordDecisions(user.id, sends);
    }
    const handle = await createCampaign('local-08', 'local', {
      sendTime: {
        kind: 'local',
        date: { year: 2099, month: 1, day: 8 },
        minuteOfDay: minuteOfDay(8 * 60),
        windowMs: hours(3),
        late: 'next_day',
      },
      ttlMs: hours(72),
      ratePerSecond: 1_000,
    });
    expect(await handle.result()).toBe('completed');
    expect((await targets('local-08')).filter((t) => t.status === 'handed_over')).toHaveLength(users.length);

    await harness.sleepUntil(utc(2099, 0, 10, 12));
    await waitFor('every user sent', async () => (deliveriesOf('local-08').length >= users.length ? true : undefined), {
      timeoutMs: 120_000,
    });
    const sent = deliveriesOf('local-08');
    expect(new Set(sent.map((d) => d.input.userId)).size).toBe(users.length);
    expect(sent).toHaveLength(users.length);
    for (const user of users) {
      const delivery = present(
        sent.find((d) => d.input.userId === user.id),
        'the sent entry where d.input.userId === user.id',
      );
      const local = localParts(delivery.at, user.zone);
      const date = localDate(delivery.at, user.zone);
      expect(local.minuteOfDay, `${user.zone} sent at ${new Date(delivery.at).toISOString()}`).toBeGreaterThanOrEqual(
        8 * 60,
      );
      expect(date.day, `${user.zone} ${capped.has(user.id) ? 'capped' : ''}`).toBe(capped.has(user.id) ? 9 : 8);
    }
  }, 300_000);

  it('pauses and resumes between pages, and cancels mid-way withdrawing pending candidates', async () => {
    const users = await seed('pause', 10);
    const far = {
      kind: 'local' as const,
      date: { year: 2099, month: 3, day: 2 },
      minuteOfDay: minuteOfDay(9 * 60),
      windowMs: hours(1),
      late: 'skip' as const,
    };
    // 1 user/s: pages of 5, each followed by a wait, so the test acts between pages whatever the machine's load.
    const handle = await createCampaign('paused', 'pause', { sendTime: far, ttlMs: hours(24), ratePerSecond: 1 });
    await waitFor('first page', async () =>
      (await handle.query(campaignProgressQuery)).counts.targeted >= 5 ? true : undefined,
    );
    expect(await handle.executeUpdate(pauseCampaignUpdate)).toBe('paused');
    const paused = await handle.query(campaignProgressQuery);
    await harness.env.sleep(10 * 60_000);
    expect(await handle.query(campaignProgressQuery)).toEqual(paused);
    expect(paused).toMatchObject({ status: 'paused', etaAt: null });
    expect(paused.counts.targeted).toBeLessThan(users.length);
    expect(await targets('paused')).toHaveLength(paused.counts.targeted);
    // Ops find it in the Temporal UI by its search attributes, with its progress in the current details.
    expect(await listed('TactCampaign = "paused" AND TactCampaignState = "paused"')).toEqual([
      campaignWorkflowId('paused'),
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(TactCampaignState)).toBe('paused');
    expect(await currentDetails(handle)).toContain(`targeted ${paused.counts.targeted} of ${users.length}`);
    await expect(handle.executeUpdate(pauseCampaignUpdate)).rejects.toThrow();
    expect(await handle.executeUpdate(resumeCampaignUpdate)).toBe('running');
    expect(await handle.result()).toBe('completed');
    expect(await targets('paused')).toHaveLength(users.length);
    expect((await handle.describe()).typedSearchAttributes.get(TactCampaignState)).toBe('completed');
    expect(await listed('TactCampaign = "paused" AND TactCampaignState = "paused"')).toEqual([]);

    const cancelUsers = await seed('cancel', 10);
    // Later than the paused campaign's candidates, which the clock passed while that campaign ran to its end.
    const cancelled = await createCampaign('cancelled', 'cancel', {
      sendTime: { ...far, date: { year: 2099, month: 12, day: 1 } },
      ttlMs: hours(24),
      ratePerSecond: 1,
    });
    await waitFor('first page', async () =>
      (await cancelled.query(campaignProgressQuery)).counts.targeted >= 5 ? true : undefined,
    );
    expect(await cancelled.executeUpdate(cancelCampaignUpdate)).toBe('cancelled');
    expect(await cancelled.result()).toBe('cancelled');
    const reached = await targets('cancelled');
    expect(reached.length).toBeLessThan(cancelUsers.length);
    expect((await cancelled.query(campaignProgressQuery)).counts.withdrawn).toBe(reached.length);
    for (const { user_id } of reached.slice(0, 5)) {
      const state = await harness.waitForState(
        user_id,
        (s) => s.recentDecisions.some((d) => d.outcome.kind === 'suppressed' && d.outcome.reason === 'cancelled'),
        'the campaign candidate withdrawn',
      );
      expect(state.queue).toEqual([]);
    }
  }, 300_000);

  it('a worker stopped mid-page: the next one resumes the page and targets nobody twice', async () => {
    const users = await seed('kill', 10);
    let signals = 0;
    let kill!: () => void;
    const killed = new Promise<void>((resolve) => (kill = resolve));
    hold = async () => {
      signals += 1;
      if (signals > 30) {
        await killed;
        throw new Error('worker died mid-page (test)');
      }
    };
    const handle = await createCampaign('killed', 'kill', {
      sendTime: { kind: 'now' },
      ttlMs: hours(24),
      ratePerSecond: 1_000,
    });
    await waitFor('30 hand-overs', async () => (signals > 30 ? true : undefined));
    hold = undefined;
    kill();
    await stopWorker();
    await startWorker();
    expect(await handle.result()).toBe('completed');
    const rows = await targets('killed');
    expect(rows).toHaveLength(users.length);
    expect(rows.every((r) => r.status === 'handed_over')).toBe(true);
    // Some users were signalled by both attempts; each user workflow still holds or sent one candidate.
    expect(
      [...signalled.entries()].filter(([id, n]) => n > 1 && users.some((u) => u.id === id)).length,
    ).toBeGreaterThan(0);
    for (const user of users.slice(0, 10)) {
      const state = await harness.waitForState(user.id, (s) => s.stats.candidatesAdmitted === 1, 'one candidate');
      expect(state.stats.candidatesAdmitted).toBe(1);
    }
    const progress = await handle.query(campaignProgressQuery);
    expect(progress.counts).toMatchObject({ targeted: users.length, handedOver: users.length });
  }, 300_000);
});
