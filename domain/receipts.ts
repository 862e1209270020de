// Receipts and engagement for a sent notification (docs/product.md §7): what the app and providers report back.
import type { EpochMs, NotificationEvent, SendRecord } from './types';
import { minOf } from './units';

const FIELD = {
  delivered: 'deliveredAt',
  opened: 'openedAt',
  engaged: 'engagedAt',
  converted: 'convertedAt',
} as const satisfies Record<NotificationEvent['type'], keyof SendRecord>;

/**
 * The send with one more receipt. Receipts may arrive late, repeated or out of order, so each type keeps its
 * earliest time. An engagement or a conversion implies the notification was opened (apps often report only
 * those), so it also sets `openedAt` when no earlier open is known: adaptive caps count it as a response.
 */
export function withReceipt(send: SendRecord, receipt: Pick<NotificationEvent, 'type' | 'at'>): SendRecord {
  const updated: SendRecord = { ...send, [FIELD[receipt.type]]: earliest(send[FIELD[receipt.type]], receipt.at) };
  if (receipt.type === 'engaged' || receipt.type === 'converted') {
    updated.openedAt = earliest(send.openedAt, receipt.at);
  }
  return updated;
}

function earliest(known: EpochMs | undefined, at: EpochMs): EpochMs {
  return known === undefined ? at : minOf(known, at);
}
