// `npm run demo`: a realistic sample of users and events through the API, then what Tact decided
// for each user and why, and the dry-run outbox.
//   Against the running `npm start` at TACT_URL (default http://localhost:3000), with its admin key:
//     TACT_API_KEY=tact_… npm run demo        (or: npm run demo -- --url http://localhost:3000 --key tact_…)
//   When no server answers at the default URL, it starts Tact in this process on a fresh temporary database and
//   stops it after (its links then go with it, and it says so).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { createLogger } from './logger';
import type {
  decisionResponse,
  decisionsPage,
  eventResult,
  eventsBatchResult,
  outboxResponse,
  stateResponse,
} from './schemas';
import { apiAnswers } from '../db/cli/keys';
import { startTact, type RunningTact } from './start';
import { wallClock } from '../clock';
import { nth, present } from '../domain/present';

const DEFAULT_URL = 'http://localhost:3000';

interface DemoUser {
  id: string;
  timeZone: string;
  locale: string;
  device?: { platform: 'ios' | 'android' | 'web'; token: string };
  preferences?: Record<string, unknown>;
  story: string;
}

const WAIT_MS = 30_000;

function sampleUsers(run: string): DemoUser[] {
  const token = (prefix: string) => `${prefix}${randomBytes(32).toString('hex')}`;
  return [
    {
      id: `demo-ana-${run}`,
      timeZone: 'America/Sao_Paulo',
      locale: 'pt-BR',
      device: { platform: 'ios', token: token('') },
      story: 'new iPhone user, default preferences',
    },
    {
      id: `demo-kenji-${run}`,
      timeZone: 'Asia/Tokyo',
      locale: 'ja',
      device: { platform: 'android', token: token('fcm:') },
      preferences: { quietHours: { start: '23:00', end: '06:30' } },
      story: 'Android, custom quiet hours 23:00–06:30',
    },
    {
      id: `demo-lea-${run}`,
      timeZone: 'Europe/Paris',
      locale: 'fr',
      device: { platform: 'web', token: token('web:') },
      preferences: { optedOutCategories: ['marketing'] },
      story: 'web push, opted out of marketing',
    },
    {
      id: `demo-omar-${run}`,
      timeZone: 'Asia/Dubai',
      locale: 'ar',
      device: { platform: 'ios', token: token('') },
      preferences: { privacyMode: true },
      story: 'iPhone, privacy mode (lock-screen-safe text)',
    },
    {
      id: `demo-sam-${run}`,
      timeZone: 'America/New_York',
      locale: 'en-US',
      preferences: { globalOptOut: true },
      story: 'no device, globally opted out',
    },
  ];
}

function eventsFor(user: DemoUser, run: string): Record<string, unknown>[] {
  const at = new Date(wallClock()).toISOString();
  const e = (n: string, type: string, properties: Record<string, unknown>) => ({
    id: `${run}-${n}`,
    userId: user.id,
    type,
    occurredAt: at,
    properties,
  });
  return [
    e('login', 'login_new_device', { deviceId: 'd-42', deviceName: 'Firefox on Linux', location: 'Lyon' }),
    e('friend', 'friend_joined', { friendId: 'u-77', friendName: 'Maya' }),
    e('reply', 'comment_reply', { threadId: 't-9', authorName: 'Jo', replyCount: 3 }),
    e('content', 'new_content', { contentId: 'c-5', title: 'Ten-minute dinners', creatorName: 'Chef Lin' }),
    e('streak', 'streak_at_risk', { streakDay: 'day-12', streakLength: 12 }),
    e('promo', 'promo_available', { promoId: 'spring', discountPercent: 20 }),
    e('payment', 'payment_failed', { invoiceId: 'inv-3', amount: 9.99, currency: 'EUR' }),
  ];
}

class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  /** The answer's body, typed by the caller from the API's response schemas. */
  async call<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (response.status >= 400) {
      throw new Error(`${method} ${route} → ${response.status}: ${(parsed as { detail?: string })?.detail ?? text}`);
    }
    return { status: response.status, body: parsed as T };
  }
}

type State = z.output<typeof stateResponse>;
type Decision = z.output<typeof decisionResponse>;

function describeDecision(d: Decision): string {
  const what =
    d.outcome === 'sent' ? `SENT via ${d.channel}` : `suppressed: ${d.reason}${d.detail ? ` (${d.detail})` : ''}`;
  return `${d.at.slice(11, 19)}Z  ${d.category.padEnd(9)} ${d.candidateId.padEnd(28)} ${what}`;
}

async function settle(api: Api, userId: string): Promise<State> {
  const deadline = wallClock() + WAIT_MS;
  for (;;) {
    const { body: state } = await api.call<State>('GET', `/v1/users/${userId}/state`);
    const decided = (state.stats.sent ?? 0) + (state.stats.suppressed ?? 0);
    const settled = state.inboxSize === 0 && (state.stats.candidatesAdmitted ?? 0) <= decided + state.queue.length;
    if ((settled && state.queue.every((c) => c.score !== null)) || wallClock() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, key: { type: 'string' } } });
  const explicitUrl = values.url ?? (process.env.TACT_URL?.trim() || undefined);
  const url = (explicitUrl ?? DEFAULT_URL).replace(/\/+$/, '');
  const key = values.key ?? (process.env.TACT_API_KEY?.trim() || undefined);
  let tact: RunningTact | undefined;
  let dataDir: string | undefined;
  let baseUrl: string;
  let apiKey: string;
  if (await apiAnswers(url)) {
    if (key === undefined) {
      throw new Error(
        `a Tact API answers at ${url}: give its admin key, TACT_API_KEY=tact_… or --key (npm start printed one at first start)`,
      );
    }
    baseUrl = url;
    apiKey = key;
    console.log(`Demo against the running Tact at ${baseUrl}`);
  } else if (explicitUrl !== undefined) {
    throw new Error(`no Tact API answers at ${url} (is it running? GET ${url}/healthz)`);
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-demo-'));
    console.log(`No Tact answers at ${url}: starting one in this process on a fresh temporary database…`);
    tact = await startTact({
      dataDir,
      port: 0,
      temporalPort: 0,
      temporalDbFilename: ':memory:',
      env: { ...process.env, TACT_ROLE: 'all', DATABASE_URL: '', TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '' },
      print: (line) => console.log(`  ${line.replace(/tact_[0-9a-f]{16}_\S+/, 'tact_…(in-process key)')}`),
      logger: createLogger({ level: 'warn' }),
    });
    baseUrl = present(tact.apiUrl, 'the in-process API url (role all)');
    apiKey = present(tact.adminKey, 'the in-process admin key');
  }
  const api = new Api(baseUrl, apiKey);
  try {
    const run = randomBytes(2).toString('hex');
    const users = sampleUsers(run);
    console.log(`\nSending ${users.length} users, their devices and preferences…`);
    for (const user of users) {
      await api.call('PUT', `/v1/users/${user.id}`, {
        timeZone: user.timeZone,
        locale: user.locale,
        attributes: { demo: true },
      });
      if (user.device) {
        await api.call('PUT', `/v1/users/${user.id}/devices/${user.device.token}`, { platform: user.device.platform });
      }
      if (user.preferences) await api.call('PATCH', `/v1/users/${user.id}/preferences`, user.preferences);
    }
    const events = users.flatMap((user) => eventsFor(user, run));
    const batch = await api.call<z.output<typeof eventsBatchResult>>('POST', '/v1/events:batch', { events });
    const repeat = await api.call<z.output<typeof eventResult>>('POST', '/v1/events', events[0]);
    console.log(
      `Sent ${events.length} events in one batch: ${batch.body.accepted} accepted; ` +
        `re-sending ${String(nth(events, 0).id)} answered "${repeat.body.status}" (idempotent).`,
    );
    console.log('Waiting for the workflows to decide…');

    for (const user of users) {
      const state = await settle(api, user.id);
      const { body: page } = await api.call<z.output<typeof decisionsPage>>(
        'GET',
        `/v1/users/${user.id}/decisions?limit=50`,
      );
      console.log(`\n━━ ${user.id}  (${user.timeZone}, ${user.locale}; ${user.story})`);
      console.log(`   budget left today: ${state.budgetLeftToday}; cooldown until: ${state.cooldownUntil ?? '—'}`);
      // Suppressions may still wait in the workflow to be written (TACT_DECISION_LOG_DELAY_MS): the API merges
      // them in, marked recorded: false.
      const decided = [...page.decisions].reverse();
      console.log('   decided:');
      for (const decision of decided) {
        console.log(`     ${describeDecision(decision)}${decision.recorded ? '' : '  [not written to the log yet]'}`);
      }
      if (decided.length === 0) console.log('     (nothing yet)');
      console.log('   waiting:');
      for (const candidate of state.queue) {
        const score = candidate.score
          ? `score ${candidate.score.expectedValue.toFixed(3)} (${candidate.score.source})`
          : 'unscored';
        console.log(
          `     ${candidate.category.padEnd(9)} ${candidate.id.padEnd(28)} ${score}, expires ${candidate.expiresAt}`,
        );
      }
      if (state.queue.length === 0) console.log('     (nothing)');
      console.log(
        state.nextPlannedSend
          ? `   next: ${state.nextPlannedSend.candidateId} at ${state.nextPlannedSend.atLocal} — ${state.nextPlannedSend.why}`
          : `   plan: ${state.planWhy}`,
      );
    }

    const { body: outbox } = await api.call<z.output<typeof outboxResponse>>('GET', `/v1/outbox?limit=100`);
    const ours = outbox.entries.filter((entry) => entry.userId.endsWith(`-${run}`));
    console.log(
      `\n━━ DRY-RUN OUTBOX: ${ours.length} message(s) that WOULD have been sent (no provider credentials; nothing left this machine)`,
    );
    for (const entry of [...ours].reverse()) {
      console.log(`   [dry-run] ${entry.channel} → ${entry.destination} (${entry.userId}, ${entry.notificationId})`);
      console.log(`             “${entry.title}” — ${entry.body}`);
    }
    console.log(
      tact === undefined
        ? `\nInspect more: GET ${baseUrl}/v1/users/{id}/state and /decisions; API reference at ${baseUrl}/v1/openapi.json`
        : '\nThis Tact ran only for the demo and stops now, with its data. To keep exploring, run `npm start` in another ' +
            'terminal, then `TACT_API_KEY=<the key it printed> npm run demo`: the demo then uses that server.',
    );
  } finally {
    await tact?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`tact demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
