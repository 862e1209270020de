// The sendNotification activity: one call delivers and writes the decision log, and a log outage never turns a
// delivered notification into a failed or retried one.
import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { InMemoryDecisionStore } from '../../activities';
import { createSendNotification, type Deliver } from '../../activities/send';
import type { SendNotificationInput, SendNotificationResult } from '../../activities/types';
import type { DecisionStore } from '../../domain/ports';
import type { Candidate, Decision } from '../../domain/types';
import { DEFAULT_PREFERENCES } from '../../workflows/user-state';

const NOW = Date.UTC(2025, 5, 2, 10, 0);
const FAILED_AT = NOW + 5_000;

const candidate: Candidate = {
  id: 'c1',
  userId: 'u1',
  category: 'social',
  template: 'social.friend_joined',
  variables: {},
  createdAt: NOW,
  expiresAt: NOW + 3_600_000,
  businessValue: 0.5,
  source: 'event',
};

const earlier: Decision = {
  candidateId: 'c0',
  category: 'content',
  outcome: { kind: 'suppressed', reason: 'duplicate', at: NOW - 1_000, detail: 'same dedupeKey' },
};

function input(unrecorded: Decision[]): SendNotificationInput {
  return {
    delivery: {
      userId: 'u1',
      candidate,
      channels: ['push'],
      profile: { timeZone: 'UTC', locale: 'en' },
      preferences: DEFAULT_PREFERENCES,
    },
    unrecorded,
  };
}

/** Runs the activity inside an activity context (it logs through Temporal's activity logger). */
function inActivity(
  send: (i: SendNotificationInput) => Promise<SendNotificationResult>,
  i: SendNotificationInput,
): Promise<SendNotificationResult> {
  return new MockActivityEnvironment().run(send, i) as Promise<SendNotificationResult>;
}

const delivered: Deliver = async () => ({ kind: 'delivered', channel: 'push', endpoints: 2, at: NOW + 1_000 });

describe('sendNotification', () => {
  it('records the buffered decisions and the sent outcome, dated by the delivery, with the delivery', async () => {
    const store = new InMemoryDecisionStore();
    const send = createSendNotification(delivered, store, () => FAILED_AT);
    const result = await inActivity(send, input([earlier]));
    const sent: Decision = {
      candidateId: 'c1',
      category: 'social',
      outcome: { kind: 'sent', channel: 'push', at: NOW + 1_000 },
    };
    expect(result).toEqual({
      delivery: { kind: 'delivered', channel: 'push', endpoints: 2, at: NOW + 1_000 },
      decision: sent,
      recorded: true,
    });
    expect(store.decisionsFor('u1')).toEqual([earlier, sent]);
  });

  it('turns a delivery failure into the suppression it means, dated by the activity clock', async () => {
    const store = new InMemoryDecisionStore();
    const noChannel: Deliver = async () => ({
      kind: 'failed',
      reason: 'no_channel',
      detail: 'push: no active endpoint',
    });
    const result = await inActivity(
      createSendNotification(noChannel, store, () => FAILED_AT),
      input([]),
    );
    expect(result.decision.outcome).toEqual({
      kind: 'suppressed',
      reason: 'no_channel',
      at: FAILED_AT,
      detail: 'push: no active endpoint',
    });
    expect(store.decisionsFor('u1')).toEqual([result.decision]);
  });

  it('keeps a delivered result when the decision log is down, and says nothing was recorded', async () => {
    let deliveries = 0;
    const deliver: Deliver = async (i) => {
      deliveries += 1;
      return delivered(i);
    };
    const down: DecisionStore = {
      recordDecisions: async () => {
        throw new Error('connection refused');
      },
    };
    const result = await inActivity(
      createSendNotification(deliver, down, () => FAILED_AT),
      input([earlier]),
    );
    expect(result.recorded).toBe(false);
    expect(result.delivery.kind).toBe('delivered');
    expect(result.decision.outcome.kind).toBe('sent');
    expect(deliveries).toBe(1);
  });

  it('lets a delivery error propagate (Temporal retries it) without touching the log', async () => {
    const store = new InMemoryDecisionStore();
    const flaky: Deliver = async () => {
      throw new Error('FCM 503');
    };
    await expect(
      inActivity(
        createSendNotification(flaky, store, () => FAILED_AT),
        input([earlier]),
      ),
    ).rejects.toThrow('FCM 503');
    expect(store.decisionsFor('u1')).toEqual([]);
  });
});
