import { describe, expect, it } from 'vitest';
import { withReceipt } from '../../domain';
import type { SendRecord } from '../../domain/types';
import { utc } from '../support/instants';
import { addMs, minutes, seconds } from '../../domain/units';

const AT = utc(2025, 5, 2, 10, 0);
const send: SendRecord = { candidateId: 'c1', category: 'social', channel: 'push', at: AT };

describe('withReceipt', () => {
  it('records each receipt type at its time, without touching the send itself', () => {
    let s = withReceipt(send, { type: 'delivered', at: addMs(AT, seconds(1)) });
    s = withReceipt(s, { type: 'opened', at: addMs(AT, minutes(1)) });
    s = withReceipt(s, { type: 'engaged', at: addMs(AT, minutes(2)) });
    s = withReceipt(s, { type: 'converted', at: addMs(AT, minutes(10)) });
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
    let s = withReceipt(send, { type: 'opened', at: addMs(AT, minutes(1)) });
    s = withReceipt(s, { type: 'opened', at: addMs(AT, seconds(90)) });
    expect(s.openedAt).toBe(AT + 60_000);
    s = withReceipt(s, { type: 'opened', at: addMs(AT, seconds(30)) });
    expect(s.openedAt).toBe(AT + 30_000);
  });

  it('counts an engagement or a conversion as the open it implies, unless an earlier open is known', () => {
    expect(withReceipt(send, { type: 'converted', at: addMs(AT, seconds(5)) })).toMatchObject({
      openedAt: AT + 5_000,
      convertedAt: AT + 5_000,
    });
    const opened = withReceipt(send, { type: 'opened', at: addMs(AT, seconds(1)) });
    expect(withReceipt(opened, { type: 'engaged', at: addMs(AT, seconds(9)) })).toMatchObject({
      openedAt: AT + 1_000,
      engagedAt: AT + 9_000,
    });
    // A delivery receipt is not a response.
    expect(withReceipt(send, { type: 'delivered', at: addMs(AT, seconds(1)) }).openedAt).toBeUndefined();
  });
});
