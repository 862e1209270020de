// The funnel as a plain-text table (`npm run report`): one line per key, the same numbers as GET /v1/reports/funnel.
import type { FunnelRow } from '../../domain/funnel';
import { nth } from '../../domain/present';

const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)}%`);
const money = (perCurrency: Record<string, number>) =>
  Object.entries(perCurrency)
    .map(([currency, amount]) => `${amount.toFixed(2)} ${currency}`)
    .join(', ') || '–';
const suppressed = (row: FunnelRow) =>
  Object.entries(row.suppressed)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ') || '–';

const COLUMNS: [string, (row: FunnelRow) => string][] = [
  ['sent', (r) => String(r.sent)],
  ['delivered', (r) => String(r.delivered)],
  ['opened', (r) => String(r.opened)],
  ['open rate', (r) => percent(r.openRate)],
  ['engaged', (r) => String(r.engaged)],
  ['converted', (r) => String(r.converted)],
  ['conv. rate', (r) => percent(r.conversionRate)],
  ['revenue', (r) => money(r.revenue)],
  ['rev./send', (r) => money(r.revenuePerSend)],
  ['opt-out rate', (r) => percent(r.optOutRate)],
  ['uninstall rate', (r) => percent(r.uninstallRate)],
  ['suppressed', suppressed],
];

export function funnelTable(dimension: string, rows: readonly FunnelRow[], total: FunnelRow): string {
  const header = [dimension, ...COLUMNS.map(([name]) => name)];
  const lines = [...rows, total].map((row) => [row.key, ...COLUMNS.map(([, cell]) => cell(row))]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => nth(l, i).length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 0 || i === cells.length - 1 ? cell.padEnd(nth(widths, i)) : cell.padStart(nth(widths, i)),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [format(header), rule, ...lines.slice(0, -1).map(format), rule, format(nth(lines, lines.length - 1))].join(
    '\n',
  );
}
