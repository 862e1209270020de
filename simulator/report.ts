// The comparison as a table (Markdown) and a chart (SVG): per policy, sends, opens and churn per user.
import type { Totals } from './totals';

export interface PolicyRow {
  policy: string;
  label: string;
  totals: Totals;
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);

export function metrics(t: Totals) {
  return {
    sendsPerUser: t.sends / t.users,
    openRate: t.sends === 0 ? 0 : t.opens / t.sends,
    opensPerUser: t.opens / t.users,
    conversionsPerUser: t.conversions / t.users,
    optOutRate: t.optOuts / t.users,
    uninstallRate: t.uninstalls / t.users,
  };
}

export function table(rows: readonly PolicyRow[]): string {
  const lines = [
    '| policy | sends/user | open rate | opens/user | conversions/user | opt-outs | uninstalls | rule violations |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { label, totals } of rows) {
    const m = metrics(totals);
    lines.push(
      `| ${label} | ${fmt(m.sendsPerUser)} | ${fmt(100 * m.openRate, 1)} % | ${fmt(m.opensPerUser)} | ${fmt(m.conversionsPerUser)} | ` +
        `${totals.optOuts} (${fmt(100 * m.optOutRate, 1)} %) | ${totals.uninstalls} (${fmt(100 * m.uninstallRate, 1)} %) | ${totals.violations} |`,
    );
  }
  return lines.join('\n');
}

/** Grouped bars: open rate, opens per user and uninstall rate per policy, each scaled to its own maximum. */
export function svg(rows: readonly PolicyRow[], title: string): string {
  const series: { name: string; value: (t: Totals) => number; format: (v: number) => string }[] = [
    { name: 'open rate', value: (t) => metrics(t).openRate, format: (v) => `${fmt(100 * v, 1)} %` },
    { name: 'opens / user', value: (t) => metrics(t).opensPerUser, format: (v) => fmt(v) },
    { name: 'sends / user', value: (t) => metrics(t).sendsPerUser, format: (v) => fmt(v, 1) },
    { name: 'uninstalls', value: (t) => metrics(t).uninstallRate, format: (v) => `${fmt(100 * v, 1)} %` },
  ];
  const colors = ['#9aa5b1', '#e3a33b', '#3b82c4', '#2f9e6e'];
  const groupWidth = 200;
  const barWidth = 36;
  const height = 260;
  const top = 50;
  const width = 60 + series.length * groupWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + top + 70}" font-family="sans-serif" font-size="11">`,
    `<text x="20" y="24" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  series.forEach((s, g) => {
    const max = Math.max(1e-9, ...rows.map((r) => s.value(r.totals)));
    const x0 = 40 + g * groupWidth;
    rows.forEach((r, i) => {
      const v = s.value(r.totals);
      const h = (v / max) * height;
      const x = x0 + i * (barWidth + 6);
      parts.push(
        `<rect x="${x}" y="${top + height - h}" width="${barWidth}" height="${h}" fill="${colors[i % colors.length]}"/>`,
      );
      parts.push(
        `<text x="${x + barWidth / 2}" y="${top + height - h - 4}" text-anchor="middle">${escape(s.format(v))}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + (rows.length * (barWidth + 6)) / 2}" y="${top + height + 18}" text-anchor="middle" font-weight="bold">${escape(s.name)}</text>`,
    );
  });
  rows.forEach((r, i) => {
    const x = 40 + i * 170;
    parts.push(`<rect x="${x}" y="${top + height + 36}" width="12" height="12" fill="${colors[i % colors.length]}"/>`);
    parts.push(`<text x="${x + 16}" y="${top + height + 46}">${escape(r.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
