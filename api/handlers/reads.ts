// Reads: a user's live state (the workflow's `state` query), the decision log, the dry-run outbox,
// and the reference lists that validation errors point to.
import type { z } from 'zod';
import { readState, type StateAnswer } from '../state-views';
import { DEFAULT_PAGE_SIZE, type DecisionFilter, type ProvenanceFilter } from '../../db/decisions';
import { InvalidCursorError } from '../../db/errors';
import { NOTIFICATION_EVENT_TYPES, type Decision } from '../../domain/types';
import { getDefaultCatalog } from '../../localization';
import type { UserStateView } from '../../workflows/definitions';
import { readDecisionLog, type DecisionLogEntry, type DecisionLogPage } from '../decision-log';
import { operation, type Operation } from '../operation';
import { HttpProblem, validationProblem } from '../problem';
import {
  decisionResponse,
  decisionsPage,
  decisionsQuery,
  localesResponse,
  loggedDecisionResponse,
  outboxQuery,
  outboxResponse,
  stateResponse,
  timeZonesResponse,
  userPath,
} from '../schemas';
import type { ApiServices } from '../services';
import { WorkflowsUnavailableError } from '../workflow-gateway';
import { temporalUnavailable } from '../problem';
import { preferencesBody, unknownUser } from './users';
import { currentTimeZoneNames } from '../../domain/time-zone-names';

const iso = (ms: number) => new Date(ms).toISOString();

export function decisionBody(decision: Decision): z.output<typeof decisionResponse> {
  const { outcome } = decision;
  return {
    candidateId: decision.candidateId,
    category: decision.category,
    outcome: outcome.kind,
    ...(decision.provenance === undefined
      ? {}
      : {
          source: decision.provenance.source,
          ...(decision.provenance.sourceId === undefined ? {} : { sourceId: decision.provenance.sourceId }),
          ...(decision.provenance.journey === undefined ? {} : { journey: decision.provenance.journey }),
          template: decision.provenance.template,
          ...(decision.provenance.experiment === undefined ? {} : { experiment: decision.provenance.experiment }),
          ...(decision.provenance.variant === undefined ? {} : { variant: decision.provenance.variant }),
        }),
    ...(decision.configVersion === undefined ? {} : { configVersion: decision.configVersion }),
    ...(outcome.kind === 'sent' ? { channel: outcome.channel } : { reason: outcome.reason, detail: outcome.detail }),
    at: iso(outcome.at),
  };
}

function loggedDecisionBody({ decision, recorded }: DecisionLogEntry): z.output<typeof loggedDecisionResponse> {
  const { receipts } = decision;
  return {
    ...decisionBody(decision),
    ...(receipts === undefined
      ? {}
      : {
          receipts: Object.fromEntries(
            NOTIFICATION_EVENT_TYPES.flatMap((type) =>
              receipts[type] === undefined ? [] : [[type, iso(receipts[type])]],
            ),
          ),
        }),
    recorded,
  };
}

function localTime(ms: number, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(ms);
  return `${text} ${timeZone}`;
}

export function stateBody(
  view: UserStateView,
): Omit<z.output<typeof stateResponse>, 'stale' | 'asOf' | 'undispatched'> {
  return {
    userId: view.userId,
    profile: view.profile,
    preferences: preferencesBody(view.preferences),
    budgetLeftToday: view.budgetLeftToday,
    cooldownUntil: view.cooldownUntil === null ? null : iso(view.cooldownUntil),
    nextPlannedSend:
      view.nextPlannedSend === null
        ? null
        : {
            at: iso(view.nextPlannedSend.at),
            atLocal: localTime(view.nextPlannedSend.at, view.profile.timeZone),
            candidateId: view.nextPlannedSend.candidateId,
            why: view.nextPlannedSend.why,
          },
    planWhy: view.planWhy,
    queue: view.queue.map((candidate) => ({
      id: candidate.id,
      category: candidate.category,
      template: candidate.template,
      source: candidate.source,
      ...(candidate.sourceId === undefined ? {} : { sourceId: candidate.sourceId }),
      ...(candidate.experiment === undefined ? {} : { experiment: candidate.experiment }),
      ...(candidate.variant === undefined ? {} : { variant: candidate.variant }),
      createdAt: iso(candidate.createdAt),
      expiresAt: iso(candidate.expiresAt),
      ...(candidate.notBefore === undefined ? {} : { notBefore: iso(candidate.notBefore) }),
      businessValue: candidate.businessValue,
      score:
        candidate.score === null
          ? null
          : {
              expectedValue: candidate.score.expectedValue,
              bestSendAt: iso(candidate.score.bestSendAt),
              source: candidate.score.source,
            },
    })),
    recentDecisions: view.recentDecisions.map(decisionBody),
    recentSends: view.recentSends.map((sent) => ({
      notificationId: sent.notificationId,
      category: sent.category,
      channel: sent.channel,
      sentAt: iso(sent.sentAt),
      ...(sent.deliveredAt === undefined ? {} : { deliveredAt: iso(sent.deliveredAt) }),
      ...(sent.openedAt === undefined ? {} : { openedAt: iso(sent.openedAt) }),
      ...(sent.engagedAt === undefined ? {} : { engagedAt: iso(sent.engagedAt) }),
      ...(sent.convertedAt === undefined ? {} : { convertedAt: iso(sent.convertedAt) }),
    })),
    inboxSize: view.inboxSize,
    stats: { ...view.stats },
    // Views from workflows running code older than versions lack these.
    configVersion: view.configVersion ?? { id: 'legacy', since: 0 },
    ...(view.sessions === undefined
      ? {}
      : {
          sessions: {
            count: view.sessions.count,
            lastAt: iso(view.sessions.lastAt),
          },
        }),
    learnedPeakHour: view.learnedPeakHour ?? null,
    ...(view.journeys === undefined
      ? {}
      : {
          journeys: {
            active: view.journeys.active.map((r) => ({ ...r, enrolledAt: iso(r.enrolledAt) })),
            ended: view.journeys.ended.map((e) => ({ ...e, at: iso(e.at) })),
            refused: view.journeys.refused.map((r) => ({ ...r, at: iso(r.at) })),
          },
        }),
  };
}

export function readOperations(services: ApiServices): Operation[] {
  const { repos, workflows } = services;
  const decisionLog = {
    decisions: repos.decisions,
    notificationEvents: repos.notificationEvents,
    workflows,
    logger: services.logger,
  };
  const hasAnyDecision = async (userId: string) =>
    (await repos.decisions.list(userId, { limit: 1 })).decisions.length > 0;
  return [
    operation({
      operationId: 'getUserState',
      method: 'get',
      path: '/v1/users/{id}/state',
      tag: 'users',
      summary: "A user's live state: budget, cooldown, queue with scores, next planned send and why",
      scope: 'users:read',
      params: userPath,
      description:
        'The workflow’s `state` query, given a short deadline: when the workflow is busy (its tasks queue behind ' +
        'ingestion) or Temporal is away, the answer is the last view the workflow gave, `stale: true` with its ' +
        '`asOf` and `undispatched`, the accepted items that have not reached the workflow since. It is as old as ' +
        'the last read that got a live answer; with none stored yet, the read waits for the query.',
      responses: { 200: { description: 'The workflow’s `state` query.', schema: stateResponse } },
      async handle({ params }) {
        let answer: StateAnswer;
        try {
          answer = await readState(
            {
              workflows,
              views: repos.stateViews,
              ingest: repos.ingest,
              now: services.now,
              deadlineMs: services.stateQueryDeadlineMs,
              logger: services.logger,
            },
            params.id,
          );
        } catch (error) {
          if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
          throw error;
        }
        if (answer.kind === 'none') {
          throw new HttpProblem(404, 'unknown-user', `user ${params.id} has no workflow (no profile or event yet)`);
        }
        const freshness =
          answer.kind === 'live'
            ? { stale: false, asOf: iso(answer.asOf) }
            : { stale: true, asOf: iso(answer.asOf), undispatched: answer.undispatched };
        return { status: 200, body: { ...stateBody(answer.view), ...freshness } };
      },
    }),
    operation({
      operationId: 'listDecisions',
      method: 'get',
      path: '/v1/users/{id}/decisions',
      tag: 'users',
      summary: "A user's decision log, newest first",
      description:
        'One entry per candidate outcome: `sent` (channel, and the receipts that came back) or `suppressed` ' +
        '(reason). The workflow writes suppressions to the log in batches, up to the deployment’s decision-log ' +
        'delay later; every page merges in those it holds but has not written yet (`recorded: false`), so the log ' +
        'is current. When Temporal does not answer, the page comes from the database alone ' +
        '(`liveDecisions: "unavailable"`) rather than failing.',
      scope: 'users:read',
      params: userPath,
      query: decisionsQuery,
      responses: { 200: { description: 'One page.', schema: decisionsPage } },
      async handle({ params, query }) {
        const outcome = query.outcome as DecisionFilter | undefined;
        const { source, sourceId, template, experiment, variant } = query;
        const filter = Object.fromEntries(
          Object.entries({ source, sourceId, template, experiment, variant }).filter(([, v]) => v !== undefined),
        ) as ProvenanceFilter;
        let page: DecisionLogPage;
        try {
          page = await readDecisionLog(decisionLog, params.id, {
            limit: query.limit ?? DEFAULT_PAGE_SIZE,
            cursor: query.cursor,
            outcome,
            ...(Object.keys(filter).length === 0 ? {} : { provenance: filter }),
          });
        } catch (error) {
          if (error instanceof InvalidCursorError) {
            throw validationProblem([{ in: 'query', field: 'cursor', message: error.message }]);
          }
          throw error;
        }
        const knownByWorkflow = page.liveDecisions === 'included';
        if (page.entries.length === 0 && query.cursor === undefined && !knownByWorkflow) {
          if (!(await repos.users.exists(params.id)) && !(await hasAnyDecision(params.id))) {
            throw unknownUser(params.id);
          }
        }
        const body: z.output<typeof decisionsPage> = {
          decisions: page.entries.map(loggedDecisionBody),
          nextCursor: page.nextCursor,
          liveDecisions: page.liveDecisions,
        };
        return { status: 200, body };
      },
    }),
    operation({
      operationId: 'listOutbox',
      method: 'get',
      path: '/v1/outbox',
      tag: 'admin',
      summary: 'The dry-run outbox: what would have been delivered on channels without provider credentials',
      scope: 'admin',
      query: outboxQuery,
      responses: { 200: { description: 'Newest first. Nothing here was sent.', schema: outboxResponse } },
      async handle({ query }) {
        const entries = await repos.outbox.list({
          limit: query.limit ?? 100,
          userId: query.userId,
        });
        return {
          status: 200,
          body: {
            dryRun: true,
            entries: entries.map((entry) => ({
              id: entry.id,
              dryRun: true,
              notificationId: entry.notificationId,
              userId: entry.userId,
              channel: entry.channel,
              destination: entry.destination,
              title: entry.title,
              body: entry.body,
              subject: entry.subject,
              data: entry.data,
              createdAt: iso(entry.createdAt),
            })),
          },
        };
      },
    }),
    operation({
      operationId: 'listTimeZones',
      method: 'get',
      path: '/v1/reference/time-zones',
      tag: 'reference',
      summary: 'The IANA time zones a profile accepts',
      description:
        'Each zone once, by its current IANA name, plus UTC. A profile also accepts older aliases of these names ' +
        '(Asia/Calcutta, Europe/Kiev, US/Eastern…) and stores the current name.',
      scope: 'public',
      responses: { 200: { description: 'Current IANA names, sorted.', schema: timeZonesResponse } },
      async handle() {
        return { status: 200, body: { timeZones: currentTimeZoneNames() } };
      },
    }),
    operation({
      operationId: 'listLocales',
      method: 'get',
      path: '/v1/reference/locales',
      tag: 'reference',
      summary: 'Which locales a profile accepts, and which have their own templates',
      scope: 'public',
      responses: { 200: { description: 'The rule and the template locales.', schema: localesResponse } },
      async handle() {
        const catalog = getDefaultCatalog();
        const locales = new Set(catalog.templateNames().flatMap((name) => catalog.localesOf(name)));
        return {
          status: 200,
          body: {
            rule:
              'Any well-formed BCP 47 tag whose language this server’s ICU supports (e.g. en, pt-BR, ja); it is ' +
              'stored in canonical form. Templates fall back along the chain pt-BR → pt → the default locale.',
            withTemplates: [...locales].sort(),
          },
        };
      },
    }),
  ];
}
