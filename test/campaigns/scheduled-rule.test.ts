// A weekly scheduled rule (Monday 08:00 local) on a Temporal Schedule, over six weeks of the time-skipping server's
// clock that span three DST changes: New York springs forward on 8 March 2099, London on 29 March, Sydney falls back
// on 5 April. Every user gets each Monday's occurrence once, waiting for 08:00 on that Monday in their own zone.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaignActivities } from '../../activities/campaign';
import { TemporalCampaigns } from '../../api/campaign-client';
import { ScheduledRuleRepository } from '../../db/campaigns';
import { campaignCandidateId, formatDate } from '../../domain/campaign';
import { validateSegment } from '../../domain/segment';
import { atLocalTime, localDate } from '../../domain/time';
import { defineHarness, uniqueUser } from '../workflows/support/harness';
import { useTestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';
import { minuteOfDay, probability, hours, addMs, epochMsOfDate } from '../../domain/units';
import { utc } from '../support/instants';
import { nth } from '../../domain/present';

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Sydney'];
const MONDAYS = [2, 9, 16, 23, 30, 37].map((d) => ({ year: 2099, month: 3, day: d }));

const harness = defineHarness();
const db = useTestDatabase();

describe('scheduled rule', () => {
  const queue = `tact-rules-${randomUUID().slice(0, 8)}`;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  beforeAll(async () => {
    worker = await Worker.create({
      connection: harness.env.nativeConnection,
      namespace: harness.env.namespace ?? 'default',
      taskQueue: queue,
      workflowBundle: harness.bundle,
      activities: createCampaignActivities({ pool: db().pool, client: harness.client, taskQueue: harness.taskQueue }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
  });

  it('weekly at 08:00 local in every zone, across DST changes, once per user and week', async () => {
    await harness.sleepUntil(utc(2099, 1, 26, 9));
    const users = ZONES.flatMap((zone) => [0, 1].map((i) => ({ id: uniqueUser(`rule-${i}`), zone })));
    for (const user of users) harness.settings.store(user.id, { timeZone: user.zone, locale: 'en' });
    const created = new Date(await harness.now());
    for (const user of users) {
      await db().pool.query(
        `INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at)
         VALUES ($1, $2, 'en', '{"digest": true}', $3, $3)`,
        [user.id, user.zone, created],
      );
    }
    const segment = validateSegment({ field: 'attributes.digest', op: 'eq', value: true });
    if (!segment.ok) throw new Error('bad segment');
    await new ScheduledRuleRepository(db().pool).create({
      id: 'weekly-digest',
      name: 'Weekly digest',
      createdAt: epochMsOfDate(created),
      spec: {
        segment: segment.segment,
        message: {
          category: 'content',
          template: 'new_content',
          variables: { count: 3 },
          businessValue: probability(0.9),
        },
        ttlMs: hours(20),
        ratePerSecond: 100,
        recurrence: { kind: 'weekly', weekday: 1 },
        minuteOfDay: minuteOfDay(8 * 60),
        windowMs: hours(3),
        late: 'skip',
      },
    });
    const rules = new TemporalCampaigns(harness.client, queue);
    await rules.createRule('weekly-digest', { kind: 'weekly', weekday: 1 });
    const described = await rules.describeRule('weekly-digest');
    expect(described?.nextFirings[0]).toBe(utc(2099, 2, 1, 12));

    await harness.sleepUntil(utc(2099, 3, 7, 12));
    const expected = MONDAYS.length * users.length;
    const ofRule = () => harness.deliveries.filter((d) => d.input.candidate.id.startsWith('campaign.weekly-digest.'));
    await waitFor('every weekly send', async () => (ofRule().length >= expected ? true : undefined), {
      timeoutMs: 120_000,
    });
    expect(ofRule()).toHaveLength(expected);

    for (const monday of MONDAYS) {
      const id = campaignCandidateId(`weekly-digest.${formatDate(localDate(utc(2099, 2, monday.day, 12), 'UTC'))}`);
      for (const user of users) {
        const sends = ofRule().filter((d) => d.input.userId === user.id && d.input.candidate.id === id);
        expect(sends, `${user.zone} ${id}`).toHaveLength(1);
        const eight = atLocalTime(localDate(utc(2099, 2, monday.day, 12), 'UTC'), minuteOfDay(8 * 60), user.zone);
        expect(nth(sends, 0).input.candidate.notBefore, `${user.zone} ${id}`).toBe(eight);
        expect(nth(sends, 0).at).toBeGreaterThanOrEqual(eight);
        expect(localDate(nth(sends, 0).at, user.zone)).toEqual(localDate(eight, user.zone));
      }
    }
    // The same 08:00 is a different UTC hour before and after each zone's change.
    const utcHour = (zone: string, day: number) =>
      new Date(atLocalTime(localDate(utc(2099, 2, day, 12), 'UTC'), minuteOfDay(8 * 60), zone)).getUTCHours();
    expect([utcHour('America/New_York', 2), utcHour('America/New_York', 9)]).toEqual([13, 12]);
    expect([utcHour('Europe/London', 23), utcHour('Europe/London', 30)]).toEqual([8, 7]);
    expect([utcHour('Australia/Sydney', 30), utcHour('Australia/Sydney', 37)]).toEqual([21, 22]);
  }, 600_000);

  it(':trigger is an action now: a campaign of the rule sent now, the next occurrence left to its firing', async () => {
    const triggerAt = utc(2099, 3, 8, 14, 0, 30); // a Wednesday, daytime in every zone below
    await harness.sleepUntil(triggerAt);
    const zones = ['America/New_York', 'Europe/London', 'Europe/Paris'];
    const users = zones.map((zone) => ({ id: uniqueUser('trigger'), zone }));
    for (const user of users) harness.settings.store(user.id, { timeZone: user.zone, locale: 'en' });
    for (const user of users) {
      await db().pool.query(
        `INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at)
         VALUES ($1, $2, 'en', '{"nudge": true}', $3, $3)`,
        [user.id, user.zone, new Date(triggerAt)],
      );
    }
    const segment = validateSegment({ field: 'attributes.nudge', op: 'eq', value: true });
    if (!segment.ok) throw new Error('bad segment');
    await new ScheduledRuleRepository(db().pool).create({
      id: 'monday-nudge',
      name: 'Monday nudge',
      createdAt: triggerAt,
      spec: {
        segment: segment.segment,
        message: {
          category: 'content',
          template: 'new_content',
          variables: { count: 1 },
          businessValue: probability(0.9),
        },
        ttlMs: hours(20),
        ratePerSecond: 100,
        recurrence: { kind: 'weekly', weekday: 1 },
        minuteOfDay: minuteOfDay(8 * 60),
        windowMs: hours(3),
        late: 'skip',
      },
    });
    const rules = new TemporalCampaigns(harness.client, queue);
    await rules.createRule('monday-nudge', { kind: 'weekly', weekday: 1 });
    const triggeredAt = await harness.now();
    expect(await rules.ruleAction('monday-nudge', 'trigger')).toBe(true);

    const ofRule = () => harness.deliveries.filter((d) => d.input.candidate.id.startsWith('campaign.monday-nudge.'));
    // Handed over now: every member's workflow admits the candidate at once; their budget picks the send time.
    for (const user of users) {
      await harness.waitForState(user.id, (st) => st.stats.candidatesAdmitted === 1, 'the triggered campaign admitted');
    }
    await harness.sleepUntil(addMs(triggeredAt, hours(20)));
    await waitFor('a send to every member', async () => (ofRule().length >= users.length ? true : undefined), {
      timeoutMs: 60_000,
    });
    const { rows } = await db().pool.query<{ id: string; spec: { sendTime: unknown } }>(
      `SELECT id, spec FROM campaigns WHERE id LIKE 'monday-nudge.%'`,
    );
    expect(rows).toHaveLength(1);
    expect(nth(rows, 0).id).toMatch(/^monday-nudge\.now-20990408-1400\d\d$/);
    expect(nth(rows, 0).spec.sendTime).toEqual({ kind: 'now' });
    for (const user of users) {
      const sends = ofRule().filter((d) => d.input.userId === user.id);
      expect(sends, user.zone).toHaveLength(1);
      expect(nth(sends, 0).input.candidate.id).toBe(campaignCandidateId(nth(rows, 0).id));
      expect(nth(sends, 0).input.candidate.notBefore).toBeUndefined();
      expect(nth(sends, 0).input.candidate.createdAt).toBeGreaterThanOrEqual(triggeredAt);
      expect(nth(sends, 0).input.candidate.createdAt).toBeLessThan(triggeredAt + 60_000);
      expect(nth(sends, 0).at).toBeLessThanOrEqual(nth(sends, 0).input.candidate.expiresAt);
    }
    // The schedule's own calendar is untouched: next Monday's occurrence still fires the day before.
    expect((await rules.describeRule('monday-nudge'))?.nextFirings[0]).toBe(utc(2099, 3, 12, 12));
  }, 300_000);
});
