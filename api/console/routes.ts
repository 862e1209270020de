// The console (docs/measurement.md "The console"): read-only pages at /console, for an admin key — sent as a bearer
// token, or exchanged once at /console/login for a session cookie (a browser cannot send the header by itself).
// Scripts are same-origin files only (Content-Security-Policy), the chart library is Chart.js from node_modules.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request } from 'express';
import { grants } from '../../db/api-keys';
import { FUNNEL_DIMENSIONS, type FunnelDimension } from '../../domain/funnel';
import type { EpochMs } from '../../domain/types';
import { readDecisionLog } from '../decision-log';
import { allExperiments, experimentReport, funnelReport, reportRange } from '../handlers/measurement';
import { HttpProblem } from '../problem';
import { userId as userIdSchema } from '../schemas';
import type { ApiServices } from '../services';
import { WorkflowsUnavailableError } from '../workflow-gateway';
import { CONSOLE_SCRIPT } from './client-script';
import { experimentsPage, funnelPage, layout, overviewPage, userPage, type Page } from './pages';

const COOKIE = 'tact_console';
const SESSION_MS = 8 * 3_600_000;
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Chart.js's browser build, read once from the installed package. */
function chartLibrary(): string {
  return readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

export function createConsole(services: ApiServices, now: () => EpochMs): express.Router {
  const router = express.Router();
  const sessionKey = randomBytes(32);
  const chartJs = chartLibrary();
  const sign = (expires: number) =>
    `${expires}.${createHmac('sha256', sessionKey).update(String(expires)).digest('base64url')}`;
  const validSession = (value: string | undefined) => {
    if (value === undefined) return false;
    const expires = Number(value.split('.')[0]);
    if (!Number.isSafeInteger(expires) || expires <= now()) return false;
    const expected = Buffer.from(sign(expires));
    const given = Buffer.from(value);
    return expected.length === given.length && timingSafeEqual(expected, given);
  };

  const address = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const adminKey = async (presented: string, req: Request): Promise<void> => {
    await services.abuse?.assertNotLockedOut(address(req));
    const key = await services.repos.apiKeys.verify(presented, now());
    if (key === null || !grants(key.scopes, 'admin')) {
      await services.abuse?.authenticationFailed(address(req));
      throw new HttpProblem(401, 'unauthenticated', 'the console needs an admin API key (sign in at /console/login)');
    }
  };

  router.use((req, res, next) => {
    res.locals.route = '/console'; // the template, never the URL: user pages name a user
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/login', (_req, res) => {
    res.type('html').send(LOGIN_PAGE);
  });
  router.post('/login', express.urlencoded({ extended: false, limit: 4096 }), async (req, res) => {
    const presented = (req.body as { key?: unknown } | undefined)?.key;
    await adminKey(typeof presented === 'string' ? presented : '', req);
    res.cookie(COOKIE, sign(now() + SESSION_MS), {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/console',
      maxAge: SESSION_MS,
    });
    res.redirect(303, '/console');
  });
  router.get('/assets/chart.umd.js', (_req, res) => {
    res.type('text/javascript').send(chartJs);
  });
  router.get('/assets/console.js', (_req, res) => {
    res.type('text/javascript').send(CONSOLE_SCRIPT);
  });

  // Everything below needs the admin key or a session.
  router.use(async (req, res, next) => {
    const bearer = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
    if (bearer !== undefined) await adminKey(bearer, req);
    else if (!validSession(readCookie(req.get('cookie'), COOKIE))) {
      if (req.accepts('html')) return res.redirect(303, '/console/login');
      throw new HttpProblem(401, 'unauthenticated', 'the console needs an admin API key (sign in at /console/login)');
    }
    next();
  });
  const send = (res: express.Response, page: Page) => res.type('html').send(layout(page));
  const range = (req: Request) => reportRange({ from: stringParam(req, 'from'), to: stringParam(req, 'to') }, now());

  router.get('/', async (req, res) => {
    const period = range(req);
    const [days, campaigns, journeys] = await Promise.all([
      funnelReport(services, 'day', period),
      funnelReport(services, 'campaign', period),
      funnelReport(services, 'journey', period),
    ]);
    send(
      res,
      overviewPage({
        range: period,
        days,
        campaigns: campaigns.rows,
        journeys: journeys.rows,
        declaredJourneys: services.catalog.catalog.journeys,
      }),
    );
  });
  router.get('/funnel', async (req, res) => {
    const by = stringParam(req, 'by') ?? 'category';
    if (!FUNNEL_DIMENSIONS.includes(by as FunnelDimension)) {
      throw new HttpProblem(400, 'bad-request', `by must be one of ${FUNNEL_DIMENSIONS.join(', ')}`);
    }
    const period = range(req);
    send(res, funnelPage(by as FunnelDimension, period, await funnelReport(services, by as FunnelDimension, period)));
  });
  router.get('/experiments', async (req, res) => {
    const period = range(req);
    const sections = [];
    for (const experiment of await allExperiments(services)) {
      const report = await experimentReport(services, experiment, period);
      sections.push({
        id: experiment.id,
        ...(experiment.description === undefined ? {} : { description: experiment.description }),
        declaredIn: experiment.declaredIn,
        control: report.control,
        ...(report.warning === undefined ? {} : { warning: report.warning }),
        variants: report.variants,
      });
    }
    send(res, experimentsPage(period, sections));
  });
  router.get('/users', (req, res) => {
    const id = userIdSchema.safeParse(stringParam(req, 'id'));
    if (!id.success) throw new HttpProblem(400, 'bad-request', 'not a user id');
    res.redirect(303, `/console/users/${encodeURIComponent(id.data)}`);
  });
  router.get('/users/:id', async (req, res) => {
    const parsed = userIdSchema.safeParse(req.params.id);
    if (!parsed.success) throw new HttpProblem(400, 'bad-request', 'not a user id');
    const userId = parsed.data;
    const sources = {
      decisions: services.repos.decisions,
      notificationEvents: services.repos.notificationEvents,
      workflows: services.workflows,
      logger: services.logger,
    };
    const [page, items] = await Promise.all([
      readDecisionLog(sources, userId, { limit: 200 }),
      services.repos.measurement.timeline(userId),
    ]);
    let state = null;
    let stateNote = 'No running workflow for this user.';
    try {
      state = await services.workflows.state(userId);
    } catch (error) {
      if (!(error instanceof WorkflowsUnavailableError)) throw error;
      stateNote = 'Temporal did not answer: showing what PostgreSQL holds.';
    }
    send(res, userPage({ userId, state, stateNote, decisions: page.entries, items }));
  });
  return router;
}

function stringParam(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

const LOGIN_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Tact console sign-in</title>
<h1>Tact console</h1><p>Sign in with an admin API key.</p>
<form method="post" action="/console/login"><input name="key" type="password" autocomplete="off" size="60" required>
<button>Sign in</button></form></html>`;
