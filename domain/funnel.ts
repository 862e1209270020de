// The funnel report (docs/measurement.md "Reading the funnel"): rollup counts per key → one row per key with its rates.
// Pure, shared by the API, `npm run report` and the console.
import type { SuppressionReason } from './types';

export const FUNNEL_DIMENSIONS = [
  'category',
  'template',
  'journey',
  'campaign',
  'variant',
  'channel',
  'source',
  'day',
] as const;
export type FunnelDimension = (typeof FUNNEL_DIMENSIONS)[number];

/** One rollup cell summed over the period: a key, a metric, its count and (revenue) its amount. */
export interface FunnelCell {
  key: string;
  metric: string;
  n: number;
  amount: number;
}

export interface FunnelRow {
  key: string;
  sent: number;
  delivered: number;
  opened: number;
  engaged: number;
  converted: number;
  /** Per currency: the sum of conversion values. */
  revenue: Record<string, number>;
  optOuts: number;
  uninstalls: number;
  suppressed: Partial<Record<SuppressionReason, number>>;
  suppressedTotal: number;
  /** Rates over `sent` (null when nothing was sent). */
  deliveryRate: number | null;
  openRate: number | null;
  conversionRate: number | null;
  optOutRate: number | null;
  uninstallRate: number | null;
  /** Per currency: revenue / sent. */
  revenuePerSend: Record<string, number>;
}

const COUNTED = { sent: 'sent', delivered: 'delivered', opened: 'opened', engaged: 'engaged', converted: 'converted' };
const CHURN = { opt_out: 'optOuts', uninstall: 'uninstalls' } as const;

function emptyRow(key: string): FunnelRow {
  return {
    key,
    sent: 0,
    delivered: 0,
    opened: 0,
    engaged: 0,
    converted: 0,
    revenue: {},
    optOuts: 0,
    uninstalls: 0,
    suppressed: {},
    suppressedTotal: 0,
    deliveryRate: null,
    openRate: null,
    conversionRate: null,
    optOutRate: null,
    uninstallRate: null,
    revenuePerSend: {},
  };
}

function addCell(row: FunnelRow, cell: FunnelCell): void {
  if (Object.hasOwn(COUNTED, cell.metric)) {
    row[cell.metric as keyof typeof COUNTED] += cell.n;
  } else if (Object.hasOwn(CHURN, cell.metric)) {
    row[CHURN[cell.metric as keyof typeof CHURN]] += cell.n;
  } else if (cell.metric.startsWith('suppressed:')) {
    const reason = cell.metric.slice('suppressed:'.length) as SuppressionReason;
    row.suppressed[reason] = (row.suppressed[reason] ?? 0) + cell.n;
    row.suppressedTotal += cell.n;
  } else if (cell.metric.startsWith('revenue:')) {
    const currency = cell.metric.slice('revenue:'.length);
    row.revenue[currency] = (row.revenue[currency] ?? 0) + cell.amount;
  }
}

function withRates(row: FunnelRow): FunnelRow {
  const over = (n: number) => (row.sent === 0 ? null : n / row.sent);
  return {
    ...row,
    deliveryRate: over(row.delivered),
    openRate: over(row.opened),
    conversionRate: over(row.converted),
    optOutRate: over(row.optOuts),
    uninstallRate: over(row.uninstalls),
    revenuePerSend: Object.fromEntries(
      Object.entries(row.revenue).map(([currency, amount]) => [currency, row.sent === 0 ? 0 : amount / row.sent]),
    ),
  };
}

/** Rows per key (sorted by key) and their total. */
export function funnelRows(cells: readonly FunnelCell[]): { rows: FunnelRow[]; total: FunnelRow } {
  const byKey = new Map<string, FunnelRow>();
  const total = emptyRow('total');
  for (const cell of cells) {
    let row = byKey.get(cell.key);
    if (row === undefined) byKey.set(cell.key, (row = emptyRow(cell.key)));
    addCell(row, cell);
    addCell(total, cell);
  }
  const rows = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(withRates);
  return { rows, total: withRates(total) };
}
