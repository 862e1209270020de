import { describe, expect, it } from 'vitest';
import { withReceipt } from '../../domain';
import type { SendRecord } from '../../domain/types';

const AT = Date.UTC(2025, 5, 2, 10, 0);
const send: SendRecord = { candidateId: 'c1', category: 'social', channel: 'push', at: AT };

describe('withReceipt', () => {
  it('records each receipt type at its time, without touching the send itself', () => {
    let s = withReceipt(send, { type: 'delivered', at: AT + 1_000 });
    s = withReceipt(s, { type: 'opened', at: AT + 60_000 });
    s = withReceipt(s, { type: 'engaged', at: AT + 120_000 });
    s = withReceipt(s, { type: 'converted', at: AT + 600_000 });
    expect(s).toEqual({
      ...send,
      deliveredAt: AT + 1_000,
      openedAt: AT + 60_000,
      engagedAt: AT + 120_000,
      convertedAt: AT + 600_000,
    });
    expect(send).toEqual({ candidateId: 'c1', category: 'social', channel: 'push', at: AT });
  });

  it('keeps the earliest time when a receipt repeats or arrives out of order', () => {
    let s = withReceipt(send, { type: 'opened', at: AT + 60_000 });
    s = withReceipt(s, { type: 'opened', at: AT + 90_000 });
    expect(s.openedAt).toBe(AT + 60_000);
    s = withReceipt(s, { type: 'opened', at: AT + 30_000 });
    expect(s.openedAt).toBe(AT + 30_000);
  });

  it('counts an engagement or a conversion as the open it implies, unless an earlier open is known', () => {
    expect(withReceipt(send, { type: 'converted', at: AT + 5_000 })).toMatchObject({
      openedAt: AT + 5_000,
      convertedAt: AT + 5_000,
    });
    const opened = withReceipt(send, { type: 'opened', at: AT + 1_000 });
    expect(withReceipt(opened, { type: 'engaged', at: AT + 9_000 })).toMatchObject({
      openedAt: AT + 1_000,
      engagedAt: AT + 9_000,
    });
    // A delivery receipt is not a response.
    expect(withReceipt(send, { type: 'delivered', at: AT + 1_000 }).openedAt).toBeUndefined();
  });
});
