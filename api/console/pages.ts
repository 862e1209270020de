// The console's pages (read-only): rendered on the server from the same reads as the API, with charts drawn in the
// browser by Chart.js from JSON the page embeds. No framework and no build step.
import type { TimelineItem } from '../../db/measurement';
import type { LoggedDecision } from '../../db/decisions';
import { FUNNEL_DIMENSIONS, type FunnelDimension, type FunnelRow } from '../../domain/funnel';
import type { VariantResult } from '../../domain/lift';
import type { EpochMs } from '../../domain/types';
import type { UserStateView } from '../../workflows/definitions';
import { Html, html, jsonData } from './html';

const iso = (ms: EpochMs) => new Date(ms).toISOString().replace('.000Z', 'Z');
const pct = (rate: number | null | undefined) =>
  rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)} %`;
const money = (perCurrency: Record<string, number>) =>
  Object.entries(perCurrency)
    .map(([currency, amount]) => `${amount.toFixed(2)} ${currency}`)
    .join(', ') || '–';

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#111}header{background:#111827;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#c7d2fe;text-decoration:none}header strong{margin-right:1rem}main{padding:1rem 1.2rem;max-width:1200px}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}th,td{border-bottom:1px solid #e5e7eb;padding:.25rem .6rem;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.text,th.text{text-align:left}th{background:#f9fafb}.warn{background:#fef3c7;padding:.4rem .6rem;border-radius:4px}
.muted{color:#6b7280}.sent{color:#15803d}.suppressed{color:#b91c1c}nav.dims a{margin-right:.6rem}canvas{margin:.5rem 0 1rem;border:1px solid #e5e7eb}
form.inline{display:inline}`;

export interface Page {
  title: string;
  body: Html;
}

export function layout(page: Page): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${page.title} · Tact console</title>
        <style>
          ${new Html(STYLE)}
        </style>
        <script src="/console/assets/chart.umd.js" defer></script>
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <header>
          <strong>Tact console</strong><a href="/console">Overview</a><a href="/console/funnel">Funnel</a
          ><a href="/console/experiments">Experiments</a>
          <form class="inline" method="get" action="/console/users">
            <input name="id" placeholder="user id" required size="24" /> <button>Timeline</button>
          </form>
        </header>
        <main>
          <h1>${page.title}</h1>
          ${page.body}
        </main>
      </body>
    </html>`.text;
}

function funnelTable(dimension: string, rows: readonly FunnelRow[], total: FunnelRow): Html {
  const line = (row: FunnelRow) =>
    html`<tr>
      <td class="text">${row.key}</td>
      <td>${row.sent}</td>
      <td>${row.delivered}</td>
      <td>${row.opened}</td>
      <td>${pct(row.openRate)}</td>
      <td>${row.engaged}</td>
      <td>${row.converted}</td>
      <td>${pct(row.conversionRate)}</td>
      <td>${money(row.revenue)}</td>
      <td>${money(row.revenuePerSend)}</td>
      <td>${pct(row.optOutRate)}</td>
      <td>${pct(row.uninstallRate)}</td>
      <td class="text">
        ${
          Object.entries(row.suppressed)
            .map(([reason, n]) => `${reason} ${n}`)
            .join(', ') || '–'
        }
      </td>
    </tr>`;
  return html`<table class="funnel">
    <thead>
      <tr>
        <th class="text">${dimension}</th>
        <th>sent</th>
        <th>delivered</th>
        <th>opened</th>
        <th>open rate</th>
        <th>engaged</th>
        <th>converted</th>
        <th>conversion</th>
        <th>revenue</th>
        <th>revenue/send</th>
        <th>opt-out rate</th>
        <th>uninstall rate</th>
        <th class="text">suppressed</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(line)}
    </tbody>
    <tfoot>
      ${line(total)}
    </tfoot>
  </table>`;
}

function chart(id: string, spec: unknown, width = 900, height = 280): Html {
  return html`<canvas id="${id}" data-chart="${id}-data" width="${width}" height="${height}"></canvas
    >${jsonData(`${id}-data`, spec)}`;
}

function funnelChart(id: string, by: string, rows: readonly FunnelRow[]): Html {
  const labels = rows.map((r) => r.key);
  return chart(id, {
    type: by === 'day' ? 'line' : 'bar',
    title: `Funnel by ${by}`,
    labels,
    datasets: [
      { label: 'sent', data: rows.map((r) => r.sent) },
      { label: 'opened', data: rows.map((r) => r.opened) },
      { label: 'converted', data: rows.map((r) => r.converted) },
      { label: 'suppressed', data: rows.map((r) => r.suppressedTotal) },
    ],
  });
}

export interface OverviewData {
  range: { from: string; to: string };
  days: { rows: FunnelRow[]; total: FunnelRow };
  campaigns: FunnelRow[];
  journeys: FunnelRow[];
  declaredJourneys: { id: string; description?: string }[];
}

function progressTable(what: string, rows: readonly FunnelRow[], emptyNote: string): Html {
  if (rows.length === 0) return html`<p class="muted">${emptyNote}</p>`;
  return html`<table>
    <thead>
      <tr>
        <th class="text">${what}</th>
        <th>candidates decided</th>
        <th>sent</th>
        <th>suppressed</th>
        <th>opened</th>
        <th>converted</th>
        <th>opt-outs</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td class="text"><a href="/console/funnel?by=${what}">${r.key}</a></td>
            <td>${r.sent + r.suppressedTotal}</td>
            <td>${r.sent}</td>
            <td>${r.suppressedTotal}</td>
            <td>${r.opened}</td>
            <td>${r.converted}</td>
            <td>${r.optOuts}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function overviewPage(data: OverviewData): Page {
  const { total } = data.days;
  return {
    title: 'Overview',
    body: html`<p class="muted">UTC days ${data.range.from} to ${data.range.to}.</p>
      <p>
        <strong>${total.sent}</strong> sent · <strong>${pct(total.openRate)}</strong> opened ·
        <strong>${pct(total.conversionRate)}</strong> converted · <strong>${total.suppressedTotal}</strong> suppressed ·
        opt-out rate <strong>${pct(total.optOutRate)}</strong> · uninstall rate
        <strong>${pct(total.uninstallRate)}</strong>
      </p>
      ${funnelChart('overview-days', 'day', data.days.rows)}
      <h2>Campaigns</h2>
      ${progressTable('campaign', data.campaigns, 'No campaign has decided a candidate in this period.')}
      <h2>Journeys</h2>
      ${progressTable('journey', data.journeys, 'No journey has decided a candidate in this period.')}
      ${
        data.declaredJourneys.length === 0
          ? html``
          : html`<p class="muted">Declared in the catalog: ${data.declaredJourneys.map((j) => j.id).join(', ')}</p>`
      }`,
  };
}

export function funnelPage(
  by: FunnelDimension,
  range: { from: string; to: string },
  report: { rows: FunnelRow[]; total: FunnelRow },
): Page {
  return {
    title: `Funnel by ${by}`,
    body: html`<nav class="dims">
        ${FUNNEL_DIMENSIONS.map(
          (d) =>
            html`<a href="/console/funnel?by=${d}&amp;from=${range.from}&amp;to=${range.to}"
              >${d === by ? html`<strong>${d}</strong>` : d}</a
            >`,
        )}
      </nav>
      <p class="muted">
        UTC days ${range.from} to ${range.to}. Receipts, revenue, opt-outs and uninstalls count on the day their
        notification was decided.
      </p>
      ${report.rows.length === 0 ? html`<p class="muted">Nothing decided in this period.</p>` : funnelChart('funnel-chart', by, report.rows)}
      ${funnelTable(by, report.rows, report.total)}`,
  };
}

export interface ExperimentSection {
  id: string;
  description?: string;
  declaredIn: string;
  control: string;
  warning?: string;
  variants: VariantResult[];
}

export function experimentsPage(range: { from: string; to: string }, experiments: readonly ExperimentSection[]): Page {
  const section = (e: ExperimentSection, index: number) =>
    html`<h2>${e.id} <span class="muted">(${e.declaredIn})</span></h2>
      ${e.description === undefined ? html`` : html`<p>${e.description}</p>`}
      ${e.warning === undefined ? html`` : html`<p class="warn">⚠ ${e.warning}</p>`}
      <table>
        <thead>
          <tr>
            <th class="text">variant</th>
            <th>users</th>
            <th>converters</th>
            <th>conversion rate</th>
            <th>difference vs ${e.control}</th>
            <th>95 % interval</th>
            <th>relative lift</th>
            <th>95 % interval</th>
            <th class="text">conclusion</th>
          </tr>
        </thead>
        <tbody>
          ${e.variants.map(
            (v) =>
              html`<tr>
                <td class="text">${v.variant}${v.control ? ' (control)' : ''}</td>
                <td>${v.users}</td>
                <td>${v.converters}</td>
                <td>${pct(v.rate)}</td>
                <td>${v.lift ? pct(v.lift.difference) : '–'}</td>
                <td>${v.lift ? `${pct(v.lift.differenceInterval[0])} … ${pct(v.lift.differenceInterval[1])}` : '–'}</td>
                <td>${v.lift ? pct(v.lift.relative) : '–'}</td>
                <td>
                  ${v.lift?.relativeInterval ? `${pct(v.lift.relativeInterval[0])} … ${pct(v.lift.relativeInterval[1])}` : '–'}
                </td>
                <td class="text">
                  ${v.lift === undefined ? '' : v.lift.warning !== undefined ? 'too small to conclude' : v.lift.significant ? 'significant' : 'no significant difference'}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${chart(
        `experiment-${index}`,
        {
          type: 'bar',
          horizontal: true,
          title: `Conversion rate difference vs ${e.control}, 95 % interval (percentage points)`,
          labels: e.variants.filter((v) => v.lift).map((v) => v.variant),
          datasets: [
            {
              label: '95 % interval',
              data: e.variants.flatMap(({ lift }) =>
                lift ? [[lift.differenceInterval[0] * 100, lift.differenceInterval[1] * 100]] : [],
              ),
            },
          ],
        },
        700,
        60 + 40 * Math.max(1, e.variants.length - 1),
      )}`;
  return {
    title: 'Experiments',
    body: html`<p class="muted">
        UTC days ${range.from} to ${range.to}. Metric: users who converted / users in the arm. The global holdout gets
        no non-critical notification.
      </p>
      ${experiments.map(section)}`,
  };
}

export interface TimelineData {
  userId: string;
  state: UserStateView | null;
  stateNote: string;
  decisions: { decision: LoggedDecision; recorded: boolean }[];
  items: TimelineItem[];
}

interface Row {
  at: EpochMs;
  kind: string;
  what: Html;
}

export function userPage(data: TimelineData): Page {
  const rows: Row[] = [];
  for (const { decision, recorded } of data.decisions) {
    const o = decision.outcome;
    const p = decision.provenance;
    const origin =
      p === undefined
        ? ''
        : ` · ${p.source}${p.sourceId ? ` ${p.sourceId}` : ''} · ${p.template}${p.experiment ? ` · ${p.experiment}/${p.variant ?? ''}` : ''}`;
    rows.push({
      at: o.at,
      kind: o.kind === 'sent' ? 'send' : 'decision',
      what:
        o.kind === 'sent'
          ? html`<span class="sent">sent</span> ${decision.candidateId} (${decision.category}) by ${o.channel}<span
                class="muted"
                >${origin}</span
              >`
          : html`<span class="suppressed">suppressed: ${o.reason}</span> ${decision.candidateId} (${decision.category})
              — ${o.detail ?? ''}<span class="muted">${origin}${recorded ? '' : ' · not yet written'}</span>`,
    });
  }
  for (const item of data.items) {
    rows.push({
      at: item.at,
      kind: item.kind,
      what: html`${item.detail}${item.notificationId === undefined ? '' : html` <span class="muted">→ ${item.notificationId}</span>`}`,
    });
  }
  rows.sort((a, b) => b.at - a.at);
  const state = data.state;
  return {
    title: `User ${data.userId}`,
    body: html`<h2>Now</h2>
      ${
        state === null
          ? html`<p class="muted">${data.stateNote}</p>`
          : html`<p>
                Budget left today: <strong>${state.budgetLeftToday}</strong>${
                  state.nextPlannedSend
                    ? html` · next planned send ${state.nextPlannedSend.candidateId} at ${iso(state.nextPlannedSend.at)}
                      (${state.nextPlannedSend.why})`
                    : ' · nothing planned'
                }
              </p>
              <h3>Candidates waiting</h3>
              ${
                state.queue.length === 0
                  ? html`<p class="muted">None.</p>`
                  : html`<table>
                      <thead>
                        <tr>
                          <th class="text">candidate</th>
                          <th class="text">category</th>
                          <th class="text">source</th>
                          <th>expected value</th>
                          <th class="text">expires</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${state.queue.map(
                          (c) =>
                            html`<tr>
                              <td class="text">${c.id}</td>
                              <td class="text">${c.category}</td>
                              <td class="text">
                                ${c.source}${c.experiment ? ` · ${c.experiment}/${c.variant ?? ''}` : ''}
                              </td>
                              <td>${c.score === null ? '–' : c.score.expectedValue.toFixed(3)}</td>
                              <td class="text">${iso(c.expiresAt)}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>`
              }`
      }
      <h2>Timeline</h2>
      ${
        rows.length === 0
          ? html`<p class="muted">Nothing recorded for this user.</p>`
          : html`<table class="timeline">
              <thead>
                <tr>
                  <th class="text">time (UTC)</th>
                  <th class="text">kind</th>
                  <th class="text">what</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (r) =>
                    html`<tr>
                      <td class="text">${iso(r.at)}</td>
                      <td class="text">${r.kind}</td>
                      <td class="text">${r.what}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`,
  };
}
