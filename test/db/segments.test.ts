// Every segment operator against a real database (PostgreSQL with DATABASE_URL, else embedded PGlite): the filter is
// validated (domain/segment.ts), compiled to parameterised SQL (db/segments.ts) and run over users with sessions,
// preferences, endpoints, sends, receipts and journey runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { SegmentRepository } from '../../db/segments';
import { validateSegment } from '../../domain/segment';
import { useTestDatabase } from '../support/test-database';
import { days, addMs, durationMs } from '../../domain/units';
import { utc } from '../support/instants';
import { present } from '../../domain/present';

const DAY = days(1);
const NOW = utc(2025, 5, 2, 12, 0);
const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY);

describe('segments on the database', () => {
  const db = useTestDatabase();
  const repo = () => new SegmentRepository(db().pool);

  beforeAll(async () => {
    const q = (sql: string, params: unknown[]) => db().pool.query(sql, params);
    const user = (id: string, tz: string, locale: string, attributes: object, createdDaysAgo: number) =>
      q(
        'INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)',
        [id, tz, locale, JSON.stringify(attributes), at(createdDaysAgo)],
      );
    const session = (id: string, daysAgo: number) =>
      q('INSERT INTO user_sessions (user_id, counts, updated_at, last_at, sessions) VALUES ($1, $2, $3, $3, 1)', [
        id,
        JSON.stringify([]),
        at(daysAgo),
      ]);
    const endpoint = (id: string, channel: string, platform: string | null, address: string, active = true) =>
      q(
        `INSERT INTO endpoints (user_id, channel, platform, address, active, deactivated_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
        [id, channel, platform, address, active, active ? null : at(1), at(1)],
      );
    const prefs = (id: string, global: boolean, categories: string[], channels: string[]) =>
      q(
        `INSERT INTO preferences (user_id, global_opt_out, opted_out_categories, opted_out_channels, updated_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [id, global, categories, channels, at(1)],
      );
    const sends = async (id: string, sent: number, opened: number) => {
      for (let i = 0; i < sent; i++) {
        await q(
          `INSERT INTO decisions (user_id, candidate_id, category, outcome, channel, decided_at, source)
           VALUES ($1, $2, 'content', 'sent', 'push', $3, 'api')`,
          [id, `n${i}`, at(2)],
        );
        if (i < opened) {
          await q(
            `INSERT INTO notification_events (notification_id, user_id, type, occurred_at) VALUES ($1, $2, 'opened', $3)`,
            [`n${i}`, id, at(2)],
          );
        }
      }
    };
    await user('u1', 'America/Sao_Paulo', 'pt-BR', { country: 'BR', plan: 'gold', age: 35 }, 100);
    await user('u2', 'America/New_York', 'en-US', { country: 'US', plan: 'free', age: 20 }, 10);
    await user('u3', 'America/Sao_Paulo', 'pt-BR', { country: 'BR' }, 60);
    await user('u4', 'Europe/Paris', 'fr-FR', { country: 'FR', plan: 'gold', beta: true, age: 50 }, 1);
    await session('u1', 2);
    await session('u2', 10);
    await session('u4', 0.5);
    await endpoint('u1', 'push', 'android', 'tok-u1');
    await endpoint('u2', 'push', 'ios', 'tok-u2');
    await endpoint('u2', 'email', null, 'u2@example.test');
    await endpoint('u3', 'push', 'android', 'tok-u3', false);
    await endpoint('u4', 'push', 'web', 'tok-u4');
    await endpoint('u4', 'sms', null, '+33100000000');
    await prefs('u2', false, ['marketing'], ['email']);
    await prefs('u3', true, [], []);
    await sends('u1', 2, 1);
    await sends('u2', 4, 4);
    const run = (id: string, journey: string, n: number, end: string | null, converted = false) =>
      q(
        `INSERT INTO journey_runs (run_id, journey, version, user_id, source, enrolled_at, ended_at, end_reason, converted)
         VALUES ($1, $2, 1, $3, 'api', $4, $5, $6, $7)`,
        [`user:${id}/journey/${journey}/${n}`, journey, id, at(5), end === null ? null : at(4), end, converted],
      );
    await run('u1', 'cart_abandonment', 1, 'completed');
    await run('u1', 'cart_abandonment', 2, null);
    await run('u2', 'cart_abandonment', 1, 'exit:purchase_completed', true);
    await run('u3', 'onboarding', 1, null);
  });

  const members = async (filter: unknown) => {
    const validated = validateSegment(filter);
    if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
    const page = await repo().page(validated.segment, NOW, { limit: 100 });
    expect(await repo().count(validated.segment, NOW)).toBe(page.length);
    return page.map((m) => m.id);
  };
  const cond = (field: string, op: string, value?: unknown) =>
    value === undefined ? { field, op } : { field, op, value };

  it.each([
    ['locale eq', cond('locale', 'eq', 'pt-BR'), ['u1', 'u3']],
    ['locale ne', cond('locale', 'ne', 'pt-BR'), ['u2', 'u4']],
    ['locale in', cond('locale', 'in', ['fr-FR', 'en-US']), ['u2', 'u4']],
    ['locale notIn', cond('locale', 'notIn', ['pt-BR', 'fr-FR']), ['u2']],
    ['timeZone eq', cond('timeZone', 'eq', 'America/Sao_Paulo'), ['u1', 'u3']],
    ['country eq', cond('country', 'eq', 'BR'), ['u1', 'u3']],
    ['country in', cond('country', 'in', ['US', 'FR']), ['u2', 'u4']],
    ['lifecycleStage active', cond('lifecycleStage', 'eq', 'active'), ['u1', 'u4']],
    ['lifecycleStage at_risk', cond('lifecycleStage', 'eq', 'at_risk'), ['u2']],
    ['lifecycleStage churned (never active: since creation)', cond('lifecycleStage', 'eq', 'churned'), ['u3']],
    ['lifecycleStage in', cond('lifecycleStage', 'in', ['at_risk', 'churned']), ['u2', 'u3']],
    ['platform has (active endpoints only)', cond('platform', 'has', 'android'), ['u1']],
    ['platform hasAny', cond('platform', 'hasAny', ['ios', 'web']), ['u2', 'u4']],
    ['platform hasNone', cond('platform', 'hasNone', ['android']), ['u2', 'u3', 'u4']],
    ['channel has push', cond('channel', 'has', 'push'), ['u1', 'u2', 'u4']],
    ['channel has sms', cond('channel', 'has', 'sms'), ['u4']],
    ['channel has email (opted out of the channel)', cond('channel', 'has', 'email'), []],
    ['optedInCategory has', cond('optedInCategory', 'has', 'marketing'), ['u1', 'u4']],
    ['createdAt withinLastDays', cond('createdAt', 'withinLastDays', 30), ['u2', 'u4']],
    ['createdAt olderThanDays', cond('createdAt', 'olderThanDays', 30), ['u1', 'u3']],
    ['createdAt before', cond('createdAt', 'before', at(50).toISOString()), ['u1', 'u3']],
    ['createdAt after', cond('createdAt', 'after', at(50).getTime()), ['u2', 'u4']],
    ['createdAt between', cond('createdAt', 'between', [at(70).toISOString(), at(5).toISOString()]), ['u2', 'u3']],
    ['lastActiveAt withinLastDays', cond('lastActiveAt', 'withinLastDays', 7), ['u1', 'u4']],
    ['lastActiveAt olderThanDays', cond('lastActiveAt', 'olderThanDays', 30), ['u3']],
    ['engagementRate gte', cond('engagementRate', 'gte', 0.5), ['u1', 'u2']],
    ['engagementRate lt', cond('engagementRate', 'lt', 0.75), ['u1']],
    ['engagementRate between', cond('engagementRate', 'between', [0.4, 0.6]), ['u1']],
    ['engagementRate gt', cond('engagementRate', 'gt', 0.9), ['u2']],
    ['engagementRate lte', cond('engagementRate', 'lte', 1), ['u1', 'u2']],
    [
      'not engagementRate gt (no sends: no rate, so not above)',
      { not: cond('engagementRate', 'gt', 0.9) },
      ['u1', 'u3', 'u4'],
    ],
    ['attribute eq', cond('attributes.plan', 'eq', 'gold'), ['u1', 'u4']],
    ['attribute eq boolean', cond('attributes.beta', 'eq', true), ['u4']],
    ['attribute ne', cond('attributes.plan', 'ne', 'gold'), ['u2', 'u3']],
    ['attribute in', cond('attributes.plan', 'in', ['free', 'silver']), ['u2']],
    ['attribute notIn', cond('attributes.plan', 'notIn', ['free']), ['u1', 'u3', 'u4']],
    ['attribute exists', cond('attributes.plan', 'exists'), ['u1', 'u2', 'u4']],
    ['attribute gt', cond('attributes.age', 'gt', 30), ['u1', 'u4']],
    ['attribute lte', cond('attributes.age', 'lte', 35), ['u1', 'u2']],
    ['attribute between', cond('attributes.age', 'between', [18, 35]), ['u1', 'u2']],
    ['attribute gt on a string value never matches', cond('attributes.plan', 'gt', 0), []],
    ['and', { and: [cond('country', 'eq', 'BR'), cond('platform', 'has', 'android')] }, ['u1']],
    ['or', { or: [cond('country', 'eq', 'FR'), cond('attributes.plan', 'eq', 'free')] }, ['u2', 'u4']],
    ['not', { not: cond('country', 'eq', 'BR') }, ['u2', 'u4']],
    ['journey active', cond('journey.cart_abandonment', 'eq', 'active'), ['u1']],
    ['journey completed', cond('journey.cart_abandonment', 'eq', 'completed'), ['u1']],
    ['journey exited', cond('journey.cart_abandonment', 'eq', 'exited'), ['u2']],
    ['journey converted', cond('journey.cart_abandonment', 'eq', 'converted'), ['u2']],
    ['journey enrolled', cond('journey.cart_abandonment', 'eq', 'enrolled'), ['u1', 'u2']],
    ['journey ne enrolled (never in it)', cond('journey.cart_abandonment', 'ne', 'enrolled'), ['u3', 'u4']],
    ['journey in', cond('journey.cart_abandonment', 'in', ['active', 'exited']), ['u1', 'u2']],
    ['journey notIn', cond('journey.cart_abandonment', 'notIn', ['active']), ['u2', 'u3', 'u4']],
    ['journey of another name', cond('journey.onboarding', 'eq', 'active'), ['u3']],
    [
      'journey and an attribute',
      { and: [cond('journey.cart_abandonment', 'eq', 'enrolled'), cond('attributes.plan', 'eq', 'gold')] },
      ['u1'],
    ],
    ['values are parameters, not SQL', cond('attributes.plan', 'eq', "gold' OR 1=1 --"), []],
  ])('%s', async (_name, filter, expected) => {
    expect(await members(filter)).toEqual(expected);
  });

  it('pages in id order with a keyset cursor', async () => {
    const validated = validateSegment({ field: 'country', op: 'in', value: ['BR', 'US', 'FR'] });
    if (!validated.ok) throw new Error('invalid');
    const first = await repo().page(validated.segment, NOW, { limit: 3 });
    const rest = await repo().page(validated.segment, NOW, {
      limit: 3,
      afterId: present(first.at(-1), 'the last of first').id,
    });
    expect([...first, ...rest].map((m) => m.id)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(first[0]).toEqual({ id: 'u1', timeZone: 'America/Sao_Paulo', locale: 'pt-BR' });
    await expect(repo().page(validated.segment, NOW, { limit: 0 })).rejects.toThrow(RangeError);
  });

  it('saves, replaces and lists named segments', async () => {
    const validated = validateSegment({ field: 'country', op: 'eq', value: 'BR' });
    if (!validated.ok) throw new Error('invalid');
    expect((await repo().save('brazil', validated.segment, NOW)).created).toBe(true);
    expect((await repo().save('brazil', validated.segment, addMs(NOW, durationMs(1)))).created).toBe(false);
    expect(await repo().get('brazil')).toEqual({
      name: 'brazil',
      filter: validated.segment,
      createdAt: NOW,
      updatedAt: NOW + 1,
    });
    expect((await repo().list()).map((s) => s.name)).toEqual(['brazil']);
  });
});
