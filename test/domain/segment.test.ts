import { describe, expect, it } from 'vitest';
import { validateSegment } from '../../domain/segment';

const problems = (filter: unknown) => {
  const result = validateSegment(filter);
  return result.ok ? [] : result.problems;
};

describe('segment validation', () => {
  it('accepts nested and/or/not and types times as epoch ms', () => {
    const result = validateSegment({
      and: [
        { field: 'country', op: 'eq', value: 'BR' },
        {
          not: {
            or: [
              { field: 'platform', op: 'has', value: 'ios' },
              { field: 'attributes.vip', op: 'exists' },
            ],
          },
        },
        { field: 'createdAt', op: 'after', value: '2025-01-01T00:00:00Z' },
      ],
    });
    expect(result).toMatchObject({ ok: true, segment: { and: [{}, {}, { value: Date.UTC(2025, 0, 1) }] } });
  });

  it.each([
    [{ field: 'contry', op: 'eq', value: 'BR' }, 'filter.field', 'unknown field "contry"'],
    [{ field: 'attributes.bad-name', op: 'eq', value: 1 }, 'filter.field', 'unknown field'],
    [{ field: 'country', op: 'gt', value: 'BR' }, 'filter.op', '"gt" does not apply to country'],
    [{ field: 'platform', op: 'has', value: 'windows' }, 'filter.value', 'must be one of ios, android, web'],
    [{ field: 'channel', op: 'hasAny', value: [] }, 'filter.value', 'array of 1 to'],
    [{ field: 'locale', op: 'in', value: ['en', 3] }, 'filter.value', '[1] must be a non-empty string'],
    [{ field: 'createdAt', op: 'withinLastDays', value: -1 }, 'filter.value', 'whole number of days'],
    [{ field: 'createdAt', op: 'before', value: 'yesterday' }, 'filter.value', 'ISO-8601'],
    [
      { field: 'createdAt', op: 'between', value: ['2025-02-01', '2025-01-01'] },
      'filter.value',
      'from must not be after to',
    ],
    [{ field: 'engagementRate', op: 'between', value: [0.9, 0.1] }, 'filter.value', 'low must not be above high'],
    [{ field: 'engagementRate', op: 'gt' }, 'filter.value', 'required for "gt"'],
    [{ field: 'attributes.vip', op: 'exists', value: true }, 'filter.value', 'takes no value'],
    [{ field: 'locale', op: 'eq', value: 'en', extra: 1 }, 'filter.extra', 'unknown key'],
    [{ and: [] }, 'filter.and', 'non-empty array'],
    [{ and: [{ field: 'locale', op: 'eq', value: 'en' }], or: [] }, 'filter', 'stands alone'],
    [
      { or: [{ field: 'locale', op: 'eq', value: 'en' }, { not: { field: 'x', op: 'eq', value: 1 } }] },
      'filter.or[1].not.field',
      'unknown field',
    ],
    ['country = BR', 'filter', 'must be an object'],
    [{ field: 'journey.Cart', op: 'eq', value: 'active' }, 'filter.field', 'unknown field "journey.Cart"'],
    [{ field: 'journey.cart_abandonment', op: 'eq', value: 'gone' }, 'filter.value', 'must be one of active'],
    [{ field: 'journey.cart_abandonment', op: 'has', value: 'active' }, 'filter.op', 'use eq, ne, in, notIn'],
  ])('%j → %s', (filter, path, message) => {
    expect(problems(filter)).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('checks journey names against the deployment’s journeys when given them', () => {
    const filter = { field: 'journey.cart_abandonmnet', op: 'eq', value: 'active' };
    expect(validateSegment(filter)).toMatchObject({ ok: true });
    expect(validateSegment(filter, 'filter', { journeys: ['cart_abandonment', 'onboarding'] })).toEqual({
      ok: false,
      problems: [
        {
          path: 'filter.field',
          message: 'unknown journey "cart_abandonmnet" (journeys: cart_abandonment, onboarding)',
        },
      ],
    });
    expect(validateSegment({ ...filter, field: 'journey.onboarding' }, 'filter', { journeys: ['onboarding'] })).toEqual(
      { ok: true, segment: { field: 'journey.onboarding', op: 'eq', value: 'active' } },
    );
  });

  it('bounds depth and size', () => {
    let deep: unknown = { field: 'locale', op: 'eq', value: 'en' };
    for (let i = 0; i < 10; i++) deep = { not: deep };
    expect(problems(deep)[0]?.message).toContain('nested deeper than');
    const wide = { or: Array.from({ length: 65 }, () => ({ field: 'locale', op: 'eq', value: 'en' })) };
    expect(problems(wide)[0]?.message).toContain('more than 64 conditions');
  });
});
