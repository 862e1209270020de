import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, withOverrides } from '../../domain/config';
import { DEFAULT_TRIGGERS, candidatesFromEvent } from '../../domain/triggers';
import type { TriggerRule } from '../../domain/triggers';
import type { UserEvent } from '../../domain/types';
import { probability, addMs, hours, minutes, subMs, seconds } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const NOW = utc(2024, 5, 3, 10);
const event = (type: string, properties: UserEvent['properties'] = {}, occurredAt = NOW): UserEvent => ({
  id: 'evt-1',
  userId: 'u-1',
  type,
  occurredAt,
  properties,
});

describe('candidatesFromEvent', () => {
  it('maps every default event type to a candidate of its category', () => {
    const expected: Record<string, string> = {
      password_reset: 'security',
      login_new_device: 'security',
      payment_failed: 'account',
      subscription_renewed: 'account',
      friend_joined: 'social',
      comment_reply: 'social',
      new_content: 'content',
      streak_at_risk: 'reminder',
      cart_abandoned: 'reminder',
      promo_available: 'marketing',
    };
    expect(DEFAULT_TRIGGERS.map((r) => r.eventType).sort()).toEqual(Object.keys(expected).sort());
    for (const [type, category] of Object.entries(expected)) {
      const [c, ...rest] = candidatesFromEvent(event(type), DEFAULT_TRIGGERS, NOW);
      expect(rest).toEqual([]);
      expect(c).toMatchObject({ category, userId: 'u-1', source: 'event', createdAt: NOW });
    }
  });

  it('derives the id from the event id and rule index, and the expiry from the category TTL', () => {
    const [c] = candidatesFromEvent(
      event('friend_joined', { friendId: 42, friendName: 'Ana', email: 'x@y' }),
      DEFAULT_TRIGGERS,
      NOW,
    );
    const index = DEFAULT_TRIGGERS.findIndex((r) => r.eventType === 'friend_joined');
    expect(c).toMatchObject({
      id: `evt-1:${index}`,
      template: 'friend_joined',
      variables: { friend_name: 'Ana' },
      dedupeKey: 'friend_joined:42',
      deepLink: 'app://profile/42',
      expiresAt: NOW + DEFAULT_POLICY.categories.social.ttlMs,
    });
    expect(present(c, 'c').variables).not.toHaveProperty('email');
  });

  it('fills template variables from the event properties the rule maps, leaving out missing and null ones', () => {
    const rule: TriggerRule = {
      eventType: 'comment_reply',
      category: 'social',
      template: 'comment_reply',
      businessValue: probability(0.6),
      variables: { author_name: 'authorName', author_gender: 'authorGender', reply_count: 'replyCount', x: 'toString' },
    };
    const [c] = candidatesFromEvent(
      event('comment_reply', { authorName: 'Lina', authorGender: null, replyCount: 0, author_name: 'not mapped' }),
      [rule],
      NOW,
    );
    // An inherited name (`toString`) is not a property of the event.
    expect(present(c, 'c').variables).toEqual({ author_name: 'Lina', reply_count: 0 });
  });

  it('puts when the event happened into the eventTimeAs variable, never later than now', () => {
    const rule: TriggerRule = {
      eventType: 'login_new_device',
      category: 'security',
      template: 'login_new_device',
      businessValue: probability(1),
      variables: { device: 'deviceName' },
      eventTimeAs: 'when',
    };
    const signedIn = subMs(NOW, seconds(90));
    const [c] = candidatesFromEvent(event('login_new_device', { deviceName: 'Pixel 9' }, signedIn), [rule], NOW);
    expect(present(c, 'c').variables).toEqual({ device: 'Pixel 9', when: signedIn });
    const [future] = candidatesFromEvent(event('login_new_device', {}, addMs(NOW, minutes(1))), [rule], NOW);
    expect(present(future, 'future').variables).toEqual({ when: NOW });
  });

  it('runs the TTL from when the event happened, never from a future client clock', () => {
    const late = nth(
      candidatesFromEvent(event('password_reset', {}, subMs(NOW, minutes(10))), DEFAULT_TRIGGERS, NOW),
      0,
    );
    expect(late.expiresAt).toBe(NOW + 5 * 60_000);
    const future = nth(
      candidatesFromEvent(event('password_reset', {}, addMs(NOW, hours(1))), DEFAULT_TRIGGERS, NOW),
      0,
    );
    expect(future.createdAt).toBe(NOW);
  });

  it('yields nothing for an unknown event type, several candidates for several matching rules', () => {
    expect(candidatesFromEvent(event('something_else'), DEFAULT_TRIGGERS, NOW)).toEqual([]);
    const rules: TriggerRule[] = [
      { eventType: 'order_shipped', category: 'account', template: 'a', businessValue: probability(0.5) },
      { eventType: 'order_shipped', category: 'marketing', template: 'b', businessValue: probability(1) },
    ];
    const cs = candidatesFromEvent(event('order_shipped'), rules, NOW);
    expect(cs.map((c) => [c.id, c.category, c.businessValue])).toEqual([
      ['evt-1:0', 'account', 0.5],
      ['evt-1:1', 'marketing', 1],
    ]);
  });

  it('omits the dedupe key and deep link when their property is missing, and follows configured TTLs', () => {
    const config = withOverrides(DEFAULT_POLICY, { categories: { social: { ttlMs: 3_600_000 } } });
    const [c] = candidatesFromEvent(event('friend_joined'), DEFAULT_TRIGGERS, NOW, config);
    expect(c).not.toHaveProperty('dedupeKey');
    expect(c).not.toHaveProperty('deepLink');
    expect(present(c, 'c').expiresAt).toBe(NOW + 3_600_000);
  });
});
