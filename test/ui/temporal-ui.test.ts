// Temporal's Web UI on the bundled offline server, in a real browser (Debian's Chromium through puppeteer-core):
// `npm start`'s startup (startTact) with payload encryption on, a few events through Tact's API, then as ops would:
// sign in to the codec server, find the user's workflow by TactNextSendAt, open it, read the current details
// (Markdown) and the wake timer's summary, run the `state` query, and look at the schedules page. Screenshots go to
// test/artifacts/temporal-ui/ (gitignored); any console error or page error fails the test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger';
import { startTact, type RunningTact } from '../../api/start';
import { callApi } from '../api/support';
import { waitFor } from '../support/wait';
import { present } from '../../domain/present';

const CHROMIUM = process.env.TACT_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts', 'temporal-ui');
const USER = 'ui-ops-1';
const WORKFLOW_ID = `user:${USER}`;
/** The first build of the UI takes about a minute (more on a loaded machine); later runs reuse it. */
const BUILD_TIMEOUT_MS = 9 * 60_000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-ui-test-'));
let tact: RunningTact | undefined;
let browser: Browser | undefined;
let uiUrl: string;
const problems: string[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set TACT_CHROMIUM)`);
  execFileSync(process.execPath, [path.join(ROOT, 'packages/temporal-ui/build-ui.mjs')], {
    stdio: 'inherit',
    timeout: BUILD_TIMEOUT_MS,
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const lines: string[] = [];
  tact = await startTact({
    env: { TACT_TEMPORAL: 'bundled' },
    dataDir,
    port: 0,
    temporalPort: 0,
    temporalUiPort: 0,
    temporalDbFilename: path.join(dataDir, 'temporal.db'),
    print: (line) => lines.push(line),
    logger: createLogger({ level: 'silent' }),
  });
  const uiLine = lines.find((line) => line.startsWith('Temporal UI: '));
  expect(uiLine).toMatch(/^Temporal UI: http:\/\/localhost:\d+$/);
  uiUrl = present(uiLine, 'uiLine').slice('Temporal UI: '.length);
  expect(lines.some((line) => line.startsWith('Payload encryption: AES-256-GCM'))).toBe(true);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'tact-ui-chromium-'))}`,
    ],
  });
}, BUILD_TIMEOUT_MS + 120_000);

afterAll(async () => {
  // Where the test stopped, for a failure's diagnosis.
  for (const page of pages) await shot(page, 'last-page').catch(() => undefined);
  await browser?.close();
  await tact?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const page = await present(browser, 'browser').newPage();
  await page.setViewport({ width: 1440, height: 1000 });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url ?? ''})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

/** The text of the page's main content, once `predicate` holds for it. */
async function textWhen(page: Page, what: string, predicate: (text: string) => boolean): Promise<string> {
  return waitFor(
    what,
    async () => {
      const text = String(await page.evaluate('document.body.innerText'));
      return predicate(text) ? text : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

describe("Temporal's Web UI on the offline server", () => {
  it('lets ops find a user by TactNextSendAt, read its details and timer summary, and query its state', async () => {
    const key = present(present(tact, 'tact').adminKey, 'tact.adminKey');
    const api = present(present(tact, 'tact').apiUrl, 'tact.apiUrl');
    expect(
      (await callApi(api, 'PUT', `/v1/users/${USER}`, { key, json: { timeZone: 'Europe/Paris', locale: 'fr' } }))
        .status,
    ).toBeLessThan(300);
    expect(
      (
        await callApi(api, 'PUT', `/v1/users/${USER}/devices/web:ui-test-device-token-0001`, {
          key,
          json: { platform: 'web' },
        })
      ).status,
    ).toBeLessThan(300);
    const occurredAt = new Date().toISOString();
    for (const [id, type, properties] of [
      ['ui-friend', 'friend_joined', { friendId: 'u-7', friendName: 'Maya' }],
      ['ui-reply', 'comment_reply', { threadId: 't-1', authorName: 'Jo', replyCount: 2 }],
      ['ui-content', 'new_content', { contentId: 'c-1', title: 'Dinners', creatorName: 'Lin' }],
    ] as const) {
      const sent = await callApi(api, 'POST', '/v1/events', {
        key,
        json: { id, userId: USER, type, occurredAt, properties },
      });
      expect(sent.status).toBe(202);
    }
    // The workflow plans a send (now or later); at least one candidate waits on a timer (cooldown or quiet hours).
    await waitFor('the user workflow to publish TactNextSendAt', async () => {
      const state = await callApi(api, 'GET', `/v1/users/${USER}/state`, { key });
      return state.status === 200 && state.body.nextPlannedSend ? true : undefined;
    });

    // The codec server (Tact's API) signs the browser in with a cookie; the UI then decodes the encrypted payloads
    // through it. Only the UI's own page is watched for errors.
    const login = await present(browser, 'browser').newPage();
    await login.goto(`${api}/codec/login`);
    await login.type('input[name=key]', key);
    await Promise.all([login.waitForNavigation(), login.click('button')]);
    expect(String(await login.evaluate('document.body.innerText'))).toContain('Signed in');
    await login.close();

    const page = await newPage();
    pages.push(page);

    const query = `TactNextSendAt > "2000-01-01T00:00:00Z"`;
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    await textWhen(page, 'the workflow list filtered by TactNextSendAt', (text) => text.includes(WORKFLOW_ID));
    await shot(page, '1-workflows-by-TactNextSendAt');

    await Promise.all([page.waitForNavigation(), page.click(`a[href*="${encodeURIComponent(WORKFLOW_ID)}"]`)]);
    expect(page.url()).toMatch(/\/workflows\/user%3Aui-ops-1\/[0-9a-f-]{36}\/history$/);
    // Current details (collapsed at first) are Markdown: their bold labels render as <strong>.
    await present(
      await page.waitForSelector('::-p-text(Current Details)'),
      "(await page.waitForSelector('::-p-text(Current Details)'))",
    ).click();
    // Temporal's UI frames rendered Markdown from its /render page.
    await waitFor('the current details rendered from Markdown', async () => {
      for (const frame of page.frames().filter((f) => f.url().includes('/render?'))) {
        const bold = await frame.$$eval('strong', (nodes) => nodes.map((n) => n.textContent));
        if (bold.includes('Queue:') && bold.includes('Budget left today:')) return true;
      }
      return undefined;
    });
    const history = await textWhen(page, "the wake timer's summary in the history", (text) => /waiting/i.test(text));
    expect(history).toContain('Timer Started');
    expect(history).toMatch(/Summary\s*waiting/);
    await shot(page, '2-user-workflow-history');

    await page.goto(page.url().replace(/\/history$/, '/pending-activities'));
    await textWhen(page, 'the pending activities tab', (text) => text.includes('Pending Activities'));
    await shot(page, '3-pending-activities');

    await page.goto(page.url().replace(/\/pending-activities$/, '/query'));
    await textWhen(page, 'the query types', (text) => text.includes('Run Query'));
    // `state` is the workflow's one query: the UI offers it first (from __temporal_workflow_metadata).
    const runQuery = await page.waitForSelector('::-p-text(Run Query)');
    await present(runQuery, 'runQuery').click();
    const answer = await textWhen(page, 'the state query answer', (text) => text.includes('budgetLeft'));
    expect(answer).toContain('nextPlannedSend');
    await shot(page, '4-state-query');

    await page.goto(`${uiUrl}/namespaces/default/schedules`);
    await textWhen(
      page,
      'the schedules page, loaded',
      (text) => /\d+ Schedules?/.test(text) && text.includes('Schedule ID'),
    );
    await shot(page, '5-schedules');

    expect(problems).toEqual([]);
  });
});
