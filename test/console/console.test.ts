// The console in a real headless Chromium (Debian's /usr/bin/chromium, driven by puppeteer-core): sign-in with an
// admin key, every page renders, every chart draws, no console error, stored text stays text. A screenshot of each
// page is kept in test/artifacts/ (gitignored; the README's is docs/console.png).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../domain/types';
import { useApiStack } from '../api/support';
import { hours, addMs, minutes, epochMs } from '../../domain/units';
import { utc } from '../support/instants';
import { present } from '../../domain/present';

const CHROMIUM = process.env.TACT_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const HOUR = hours(1);

describe('the console in a browser', () => {
  const stack = useApiStack({ worker: false });
  let browser: Browser;
  let profile: string;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set TACT_CHROMIUM)`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    profile = mkdtempSync(path.join(os.tmpdir(), 'tact-console-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    await seed();
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Two days of a campaign with an experiment, a journey and an event source, receipts, conversions, an opt-out. */
  async function seed() {
    const { repos, keys } = stack();
    const call = stack().call.bind(stack());
    const start = utc(2026, 10, 20, 9, 0, 0);
    for (let i = 0; i < 24; i++) {
      const userId = `console-user-${i}`;
      const put = await call('PUT', `/v1/users/${userId}`, { json: { timeZone: 'Europe/Paris', locale: 'fr' } });
      expect(put.status).toBeLessThan(300);
      const at = epochMs(start + (i % 2) * 24 * HOUR + i * 60_000);
      const variant = i % 3 === 0 ? 'control' : 'urgent';
      const decisions: Decision[] = [
        {
          candidateId: `camp-${i}`,
          category: 'marketing',
          outcome:
            variant === 'control'
              ? { kind: 'suppressed', reason: 'holdout', at, detail: 'control group of experiment winter_copy' }
              : { kind: 'sent', channel: 'push', at },
          // Stored text that looks like markup must stay text.
          provenance: {
            source: 'campaign',
            sourceId: i === 5 ? '<img src=x id=injected>' : 'winter_sale',
            template: 'promo_available',
            experiment: 'winter_copy',
            variant,
          },
        },
        {
          candidateId: `jrn-${i}`,
          category: 'reminder',
          outcome:
            i % 4 === 0
              ? { kind: 'suppressed', reason: 'daily_cap', at: addMs(at, HOUR), detail: 'daily cap 3 reached' }
              : { kind: 'sent', channel: 'push', at: addMs(at, HOUR) },
          provenance: { source: 'journey', sourceId: `cart_abandonment:run-${i}`, template: 'cart_abandoned' },
        },
      ];
      await repos.decisions.recordDecisions(userId, decisions);
      if (variant === 'urgent') {
        await repos.notificationEvents.record(userId, {
          notificationId: `camp-${i}`,
          type: 'delivered',
          at: addMs(at, minutes(1)),
        });
        if (i % 2 === 1) {
          await repos.notificationEvents.record(userId, {
            notificationId: `camp-${i}`,
            type: 'opened',
            at: addMs(at, minutes(2)),
          });
        }
      }
      if (i % 3 !== 2) {
        await call('POST', `/v1/users/${userId}/conversions`, {
          key: keys.events,
          json: {
            id: `order-${i}`,
            at: new Date(at + 2 * HOUR).toISOString(),
            value: { amount: 12.5, currency: 'EUR' },
          },
        });
      }
    }
    await call('PATCH', '/v1/users/console-user-7/preferences', { json: { globalOptOut: true } });
    const created = await call('POST', '/v1/experiments', {
      json: { id: 'winter_copy', variants: [{ name: 'control' }, { name: 'urgent', weight: 2 }] },
    });
    expect(created.status).toBe(201);
  }

  async function visit(url: string, name: string): Promise<void> {
    problems.length = 0;
    const response = await page.goto(`${stack().baseUrl}${url}`, { waitUntil: 'load' });
    expect(response?.status(), url).toBe(200);
    // A string: it runs in the page, where `document` is (this file is typed without the DOM library).
    await page.waitForFunction(
      "[...document.querySelectorAll('canvas[data-chart]')].every((c) => c.hasAttribute('data-drawn'))",
      { timeout: 10_000 },
    );
    await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}.png`), fullPage: true });
    expect(problems, url).toEqual([]);
  }

  /** Whether a canvas has any non-transparent pixel: the chart really drew. */
  const chartsWithInk = () =>
    page.$$eval('canvas[data-chart]', (canvases) =>
      canvases.map((canvas) => {
        // Runs in the page, where domain/present.ts is not loaded: narrow here.
        const context = canvas.getContext('2d');
        if (!context) throw new Error('the chart canvas has no 2d context');
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
        return false;
      }),
    );

  it('refuses without an admin key and signs in with one', async () => {
    const { keys } = stack();
    const anonymous = await page.goto(`${stack().baseUrl}/console`, { waitUntil: 'load' });
    expect(new URL(present(anonymous, 'anonymous').url()).pathname).toBe('/console/login');
    await page.type('input[name=key]', keys.usersRead);
    await Promise.all([page.waitForNavigation(), page.click('button')]);
    expect(await page.content()).toContain('admin API key');
    await page.goto(`${stack().baseUrl}/console/login`, { waitUntil: 'load' });
    await page.type('input[name=key]', keys.admin);
    await Promise.all([page.waitForNavigation(), page.click('button')]);
    expect(new URL(page.url()).pathname).toBe('/console');
  });

  it('overview: campaigns and journeys with progress, the daily funnel chart', async () => {
    await visit('/console?from=2026-11-20&to=2026-11-21', 'overview');
    const text = await page.$eval('main', (main) => main.textContent ?? '');
    expect(text).toContain('winter_sale');
    expect(text).toContain('cart_abandonment');
    expect(await chartsWithInk()).toEqual([true]);
    expect(await page.$('#injected')).toBeNull();
    expect(text).toContain('<img src=x id=injected>');
  });

  it('funnel per dimension with its chart and numbers', async () => {
    for (const by of ['campaign', 'variant', 'day', 'template']) {
      await visit(`/console/funnel?by=${by}&from=2026-11-20&to=2026-11-21`, `funnel-${by}`);
      expect(await chartsWithInk(), by).toEqual([true]);
    }
    const variantRows = await page.goto(`${stack().baseUrl}/console/funnel?by=variant&from=2026-11-20&to=2026-11-21`);
    expect(variantRows?.status()).toBe(200);
    const cells = await page.$$eval('table.funnel tbody tr', (rows) =>
      rows.map((row) => [...row.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)),
    );
    // 8 of the 24 users are in the control (never sent), 16 got the urgent variant.
    expect(cells).toEqual([
      ['winter_copy/control', '0'],
      ['winter_copy/urgent', '16'],
    ]);
  });

  it('experiments: results with intervals, drawn', async () => {
    await visit('/console/experiments?from=2026-11-20&to=2026-11-21', 'experiments');
    const text = await page.$eval('main', (main) => main.textContent ?? '');
    expect(text).toContain('winter_copy');
    expect(text).toContain('global_holdout');
    expect(text).toContain('too few users to conclude');
    expect(await chartsWithInk()).toEqual([true, true]);
  });

  it("a user's timeline: decisions with reasons, sends, receipts, conversions, opt-out", async () => {
    await visit('/console/users/console-user-7', 'user');
    const text = await page.$eval('table.timeline', (table) => table.textContent ?? '');
    expect(text).toContain('sent camp-7');
    expect(text).toContain('opened');
    // The conversion named no notification: the timeline says which one it was attributed to (camp-7, opened 2 h before).
    expect(text).toContain('converted 12.5 EUR (attributed) → camp-7');
    expect(text).toContain('opt_out');
    await visit('/console/users/console-user-0', 'user-suppressed');
    const suppressed = await page.$eval('table.timeline', (table) => table.textContent ?? '');
    expect(suppressed).toContain('suppressed: holdout camp-0');
    expect(suppressed).toContain('suppressed: daily_cap jrn-0');
  });
});
